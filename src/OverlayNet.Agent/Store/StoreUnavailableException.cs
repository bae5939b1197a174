namespace OverlayNet.Agent.Store;

/// <summary>No etcd member answered within its deadline; the message names every endpoint that was tried.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
}
