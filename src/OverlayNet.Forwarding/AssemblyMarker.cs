namespace OverlayNet.Forwarding;
// Placeholder so the project compiles before its first real file lands; delete it then.
internal static class AssemblyMarker { }
