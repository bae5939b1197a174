using OverlayNet.Labs.Reading;

namespace OverlayNet.Labs;

/// <summary>One problem in a topology, at the place that causes it.</summary>
public sealed record TopologyError(SourcePosition Position, string Message)
{
    public override string ToString() => $"{Position}: {Message}";
}

/// <summary>Every problem found in a topology; thrown before anything is changed.</summary>
public sealed class TopologyException(IReadOnlyList<TopologyError> errors)
    : Exception(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
{
    public IReadOnlyList<TopologyError> Errors { get; } = errors;
}
