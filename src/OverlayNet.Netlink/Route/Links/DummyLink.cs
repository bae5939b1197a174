namespace OverlayNet;

/// <summary>A dummy device: a link that drops what it sends, a place for addresses and routes.</summary>
[LinkKind("dummy")]
public class DummyLink : Link
{
}
