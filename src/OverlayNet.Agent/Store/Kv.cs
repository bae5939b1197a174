using Etcdserverpb;
using Google.Protobuf;

namespace OverlayNet.Agent.Store;

/// <summary>Short builders for etcd requests (keys and values are UTF-8 text throughout the schemas).</summary>
public static class Kv
{
    /// <summary>etcd refuses a transaction with more operations than this (its --max-txn-ops default).</summary>
    public const int MaxTxnOps = 128;

    public static ByteString B(string s) => ByteString.CopyFromUtf8(s);

    /// <summary>The range end that makes a request cover every key starting with <paramref name="prefix"/>.</summary>
    public static ByteString PrefixEnd(string prefix)
    {
        byte[] b = System.Text.Encoding.UTF8.GetBytes(prefix);
        for (int i = b.Length - 1; i >= 0; i--)
        {
            if (b[i] < 0xFF) { b[i]++; return ByteString.CopyFrom(b, 0, i + 1); }
        }
        return ByteString.CopyFrom(0);
    }

    public static RangeRequest Range(string prefix, long revision = 0) =>
        new() { Key = B(prefix), RangeEnd = PrefixEnd(prefix), Revision = revision };

    public static RequestOp Put(string key, string value, long lease = 0) =>
        new() { RequestPut = new PutRequest { Key = B(key), Value = B(value), Lease = lease } };

    public static RequestOp Delete(string key) => new() { RequestDeleteRange = new DeleteRangeRequest { Key = B(key) } };

    public static RequestOp Get(string key) => new() { RequestRange = new RangeRequest { Key = B(key) } };

    /// <summary>The key does not exist (its version is 0).</summary>
    public static Compare Absent(string key) => new()
    {
        Key = B(key), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0,
    };

    /// <summary>The key is held by lease <paramref name="lease"/> (so it exists and its owner is alive).</summary>
    public static Compare OnLease(string key, long lease) => new()
    {
        Key = B(key), Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = lease,
    };

    /// <summary>The key holds exactly <paramref name="value"/>.</summary>
    public static Compare HasValue(string key, string value) => new()
    {
        Key = B(key), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = B(value),
    };

    public static Compare ModRevision(string key, long revision) => new()
    {
        Key = B(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = revision,
    };
}
