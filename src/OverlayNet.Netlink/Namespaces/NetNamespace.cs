namespace OverlayNet;

/// <summary>A named network namespace (<c>ip netns list</c>).</summary>
public class NetNamespace
{
    public string Name { get; set; } = "";
    /// <summary>The namespace file: /run/netns/NAME.</summary>
    public string Path { get; set; } = "";
    /// <summary>The namespace's inode (what <c>ls -i /proc/PID/ns/net</c> shows); null for a stale name.</summary>
    public ulong? Inode { get; set; }
    /// <summary>The id the caller's namespace assigned to it (<c>ip netns list-id</c>), if any.</summary>
    public int? Id { get; set; }
    /// <summary>Processes whose network namespace this is (<c>ip netns pids</c>).</summary>
    public int[] ProcessIds { get; set; } = [];

    public override string ToString() => Name;
}
