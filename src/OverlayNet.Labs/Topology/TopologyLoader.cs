using OverlayNet.Labs.Reading;

namespace OverlayNet.Labs;

/// <summary>
/// Reads a topology from YAML text or a positioned node tree (the module turns .psd1 files and hashtables
/// into one) and validates it. Every error is collected and thrown together as a <see cref="TopologyException"/>,
/// before anything is changed.
/// </summary>
public static class TopologyLoader
{
    public static LabTopology FromFile(string path, Func<string, string?>? ownerOfNamespace = null)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TopologyException([new TopologyError(new SourcePosition(path, 0, 0), e.Message)]);
        }
        return FromYaml(text, path, ownerOfNamespace);
    }

    public static LabTopology FromYaml(string text, string? path = null, Func<string, string?>? ownerOfNamespace = null) =>
        FromNode(YamlTopologyReader.Read(text, path), path, ownerOfNamespace);

    public static LabTopology FromNode(TopologyNode root, string? path = null, Func<string, string?>? ownerOfNamespace = null)
    {
        var errors = new List<TopologyError>();
        var binder = new TopologyBinder(errors);
        LabTopology lab = binder.Bind(root, path);
        new TopologyValidator(errors).Validate(lab, binder, ownerOfNamespace);
        if (errors.Count > 0) throw new TopologyException(errors);
        return lab;
    }
}
