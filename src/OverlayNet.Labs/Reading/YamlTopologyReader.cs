using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OverlayNet.Labs.Reading;

/// <summary>Reads a *.lab.yml file into the positioned node tree (YamlDotNet's nodes carry Start marks).</summary>
public static class YamlTopologyReader
{
    public static TopologyNode Read(string text, string? file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var at = new SourcePosition(file, (int)e.Start.Line, (int)e.Start.Column);
            throw new TopologyException([new TopologyError(at, "The file is not valid YAML: " + Inner(e).Message)]);
        }
        if (stream.Documents.Count == 0)
            throw new TopologyException([new TopologyError(new SourcePosition(file, 1, 1), "The file is empty.")]);
        return Convert(stream.Documents[0].RootNode, file);
    }

    private static Exception Inner(Exception e) => e.InnerException is YamlException inner ? inner : e;

    private static TopologyNode Convert(YamlNode node, string? file)
    {
        var at = new SourcePosition(file, (int)node.Start.Line, (int)node.Start.Column);
        switch (node)
        {
            case YamlScalarNode s:
                // A bare ~ or null is YAML's null; quoted "null" stays text.
                bool isNull = s.Style == ScalarStyle.Plain && s.Value is "~" or "null" or "";
                return new ScalarNode(at, isNull ? null : s.Value);
            case YamlSequenceNode seq:
                return new ListNode(at, seq.Children.Select(c => Convert(c, file)).ToList());
            case YamlMappingNode map:
                var entries = new List<(ScalarNode, TopologyNode)>();
                foreach (var (k, v) in map.Children)
                {
                    if (Convert(k, file) is not ScalarNode key)
                        throw new TopologyException([new TopologyError(new SourcePosition(file, (int)k.Start.Line, (int)k.Start.Column), "A key must be plain text.")]);
                    entries.Add((key, Convert(v, file)));
                }
                return new MapNode(at, entries);
            default:
                throw new TopologyException([new TopologyError(at, $"Unsupported YAML node ({node.NodeType}).")]);
        }
    }
}
