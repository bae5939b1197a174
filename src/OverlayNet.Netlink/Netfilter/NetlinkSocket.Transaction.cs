using System.Buffers.Binary;
using OverlayNet.Netlink.Interop;
using OverlayNet.Netlink.Netfilter;

namespace OverlayNet.Netlink.Protocol;

/// <summary>
/// nfnetlink transactions: a batch framed by NFNL_MSG_BATCH_BEGIN / NFNL_MSG_BATCH_END that the kernel applies
/// all or nothing (nf_tables keeps every change in a transaction log and commits it only when no message
/// failed). Kept apart from the rtnetlink paths of <see cref="NetlinkSocket"/> because the ack rules differ:
/// the begin and end markers are never acked, every message between them is (we ask with NLM_F_ACK), and
/// the kernel handles the whole batch inside sendmsg(), so every reply is queued by the time send returns.
/// </summary>
public sealed partial class NetlinkSocket
{
    /// <summary>
    /// Sends <paramref name="batch"/> (begin marker, requests, end marker, see <see cref="NftBatch"/>) in one
    /// sendmsg. Throws the kernel's refusal of the first failing request, with its position among the
    /// requests in <c>Data["RequestIndex"]</c>; then nothing of the batch was applied. Messages the kernel
    /// echoes (requests sent with NLM_F_ECHO) go to <paramref name="onEcho"/> with the request's index.
    /// </summary>
    public void ExecuteTransaction(MessageWriter batch, EchoHandler? onEcho = null)
    {
        if (batch.MessageCount < 3) throw new ArgumentException("A transaction needs a begin marker, at least one request and an end marker.");
        byte[] buf = batch.Buffer;
        uint beginSeq = _seq + 1;
        int offset = 0;
        for (int i = 0; i < batch.MessageCount; i++)
        {
            int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(buf.AsSpan(offset));
            bool marker = i == 0 || i == batch.MessageCount - 1;
            if (!marker)
            {
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(offset + 6));
                BinaryPrimitives.WriteUInt16LittleEndian(buf.AsSpan(offset + 6), (ushort)(flags | Nl.NLM_F_ACK));
            }
            BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(offset + 8), ++_seq);
            offset += Nl.Align(len);
        }
        int requests = batch.MessageCount - 2;
        Native.Send(_fd, batch.WrittenSpan);

        var errors = new NetlinkException?[requests];
        int acked = 0;
        NetlinkException? batchError = null;
        // Every reply is already queued (see the class comment), so read without blocking until the queue is empty.
        while (TryReceiveQueued(out int n))
        {
            foreach (NetlinkMessage m in new MessageEnumerator(_rx.AsSpan(0, n)))
            {
                long rel = (long)m.Seq - beginSeq - 1; // index among the requests; -1 is the begin marker
                if (rel < -1 || rel > requests) continue; // stale reply of an earlier request
                if (m.Type == Nl.NLMSG_ERROR)
                {
                    NetlinkException? e = ParseError(m);
                    if (rel < 0 || rel >= requests) { batchError ??= e; continue; }
                    errors[rel] = e;
                    acked++;
                }
                else if (m.Type >= Nl.NLMSG_MIN_TYPE && rel >= 0 && rel < requests)
                {
                    onEcho?.Invoke(m, (int)rel);
                }
            }
        }
        for (int i = 0; i < requests; i++)
        {
            if (errors[i] is NetlinkException e)
            {
                e.Data["RequestIndex"] = i;
                throw e;
            }
        }
        if (batchError != null) throw batchError;
        if (acked < requests)
            throw new NetlinkProtocolException($"the kernel acknowledged {acked} of {requests} requests in an nf_tables batch");
    }

    private bool TryReceiveQueued(out int length)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        length = 0;
        int size;
        try
        {
            size = Native.Recv(_fd, _rx, Native.MSG_PEEK | Native.MSG_TRUNC | Native.MSG_DONTWAIT);
        }
        catch (ErrnoException e) when (e.Errno == Native.EAGAIN)
        {
            return false;
        }
        if (size > _rx.Length) _rx = new byte[Math.Max(size, _rx.Length * 2)];
        length = Native.Recv(_fd, _rx, 0);
        return true;
    }
}

/// <summary>Receives a message the kernel echoed back for request number <paramref name="requestIndex"/> of a transaction.</summary>
public delegate void EchoHandler(NetlinkMessage message, int requestIndex);
