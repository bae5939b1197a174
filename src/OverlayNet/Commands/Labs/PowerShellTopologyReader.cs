using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OverlayNet.Labs;
using OverlayNet.Labs.Reading;

namespace OverlayNet.Commands;

/// <summary>
/// The .psd1 and hashtable forms of a topology, turned into the same positioned tree as YAML: a .psd1 is
/// parsed (never run) so its values keep their line and column; a hashtable has no positions.
/// </summary>
internal static class PowerShellTopologyReader
{
    public static TopologyNode ReadPsd1(string path)
    {
        ScriptBlockAst ast = Parser.ParseFile(path, out _, out ParseError[] errors);
        if (errors.Length > 0)
            throw new TopologyException(errors.Select(e => new TopologyError(At(path, e.Extent), e.Message)).ToList());
        var hashtables = ast.EndBlock?.Statements.Count == 1 && ast.EndBlock.Statements[0] is PipelineAst p
            && p.PipelineElements.Count == 1 && p.PipelineElements[0] is CommandExpressionAst { Expression: HashtableAst h } ? h : null;
        if (hashtables == null)
            throw new TopologyException([new TopologyError(new SourcePosition(path, 1, 1), "A .psd1 topology holds one hashtable, @{ name = ...; hosts = @(...) }.")]);
        return Convert(hashtables, path);
    }

    private static SourcePosition At(string? path, IScriptExtent e) => new(path, e.StartLineNumber, e.StartColumnNumber);

    private static TopologyNode Convert(Ast ast, string path)
    {
        switch (ast)
        {
            case HashtableAst h:
                return new MapNode(At(path, h.Extent), h.KeyValuePairs.Select(kv =>
                    (new ScalarNode(At(path, kv.Item1.Extent), KeyText(kv.Item1)), Convert(kv.Item2, path))).ToList());
            case PipelineAst { PipelineElements: [CommandExpressionAst c] }:
                return Convert(c.Expression, path);
            case CommandExpressionAst c:
                return Convert(c.Expression, path);
            case ArrayExpressionAst a: // @( ... )
                return new ListNode(At(path, a.Extent), a.SubExpression.Statements.SelectMany(s => Flatten(Convert(s, path))).ToList());
            case ArrayLiteralAst l: // a, b, c
                return new ListNode(At(path, l.Extent), l.Elements.Select(e => Convert(e, path)).ToList());
            case ParenExpressionAst pe:
                return Convert(pe.Pipeline, path);
            case StringConstantExpressionAst s:
                return new ScalarNode(At(path, s.Extent), s.Value);
            case ConstantExpressionAst k:
                return new ScalarNode(At(path, k.Extent), System.Convert.ToString(k.Value, System.Globalization.CultureInfo.InvariantCulture));
            case VariableExpressionAst v when v.VariablePath.UserPath is "true" or "false" or "null":
                string name = v.VariablePath.UserPath;
                return new ScalarNode(At(path, v.Extent), name == "null" ? null : name);
            default:
                throw new TopologyException([new TopologyError(At(path, ast.Extent), $"Only constants, @() lists and @{{}} tables may appear in a topology, not '{ast.Extent.Text}'.")]);
        }
    }

    /// <summary>@( a, b ) is one statement holding a list: its items are the list's items.</summary>
    private static IEnumerable<TopologyNode> Flatten(TopologyNode n) => n is ListNode l ? l.Items : [n];

    private static string KeyText(ExpressionAst key) => key is StringConstantExpressionAst s ? s.Value : key.Extent.Text;

    public static TopologyNode FromObject(object? value)
    {
        var none = new SourcePosition(null, 0, 0);
        value = value is PSObject ps ? ps.BaseObject : value;
        switch (value)
        {
            case IDictionary d:
                var entries = new List<(ScalarNode, TopologyNode)>();
                foreach (DictionaryEntry e in d) entries.Add((new ScalarNode(none, e.Key.ToString()), FromObject(e.Value)));
                return new MapNode(none, entries);
            case string s:
                return new ScalarNode(none, s);
            case bool b:
                return new ScalarNode(none, b ? "true" : "false");
            case IEnumerable list:
                return new ListNode(none, list.Cast<object?>().Select(FromObject).ToList());
            case null:
                return new ScalarNode(none, null);
            default:
                return new ScalarNode(none, System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Reads a topology from a file (.yml/.yaml or .psd1) or a hashtable, validated, ownership included.</summary>
    public static LabTopology Load(string? path, IDictionary? hashtable)
    {
        if (hashtable != null) return TopologyLoader.FromNode(FromObject(hashtable), null, Labs.Journal.LabJournal.OwnerOf);
        string full = System.IO.Path.GetFullPath(path!);
        if (full.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(full)) throw new TopologyException([new TopologyError(new SourcePosition(full, 0, 0), "No such file.")]);
            return TopologyLoader.FromNode(ReadPsd1(full), full, Labs.Journal.LabJournal.OwnerOf);
        }
        return TopologyLoader.FromFile(full, Labs.Journal.LabJournal.OwnerOf);
    }
}
