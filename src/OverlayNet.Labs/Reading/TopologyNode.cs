namespace OverlayNet.Labs.Reading;

/// <summary>Where a value came from: file, line and column (1-based); line 0 when unknown (a hashtable).</summary>
public readonly record struct SourcePosition(string? File, int Line, int Column)
{
    public override string ToString() =>
        Line > 0 ? $"{File ?? "<topology>"}:{Line}:{Column}" : File ?? "<topology>";
}

/// <summary>
/// The parsed document before it is bound to the model: maps, lists and scalars, each with its position.
/// YAML, .psd1 and hashtables are all turned into this tree, so one binder (and one set of messages) serves
/// all three.
/// </summary>
public abstract class TopologyNode(SourcePosition position)
{
    public SourcePosition Position { get; } = position;
}

public sealed class ScalarNode(SourcePosition position, string? value) : TopologyNode(position)
{
    public string? Value { get; } = value;
    public override string ToString() => Value ?? "";
}

public sealed class ListNode(SourcePosition position, IReadOnlyList<TopologyNode> items) : TopologyNode(position)
{
    public IReadOnlyList<TopologyNode> Items { get; } = items;
}

/// <summary>A map keeps its keys in document order, each with the key's own position (for "unknown key").</summary>
public sealed class MapNode(SourcePosition position, IReadOnlyList<(ScalarNode Key, TopologyNode Value)> entries) : TopologyNode(position)
{
    public IReadOnlyList<(ScalarNode Key, TopologyNode Value)> Entries { get; } = entries;
}
