using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Tests.Support;

namespace OverlayNet.Netlink.Tests.Protocol;

/// <summary>
/// NLMSG_ERROR decoding over real refusals (Captures/error-*.hex: RTM_NEWLINK with kind "nosuchkind", which a
/// 6.18 kernel refuses with EOPNOTSUPP and the extended-ack text "Unknown device type"), captured with
/// NETLINK_CAP_ACK on (only the request's header is echoed) and off (the whole request is echoed).
/// </summary>
public class ParseErrorTests
{
    private const int EOPNOTSUPP = 95;

    [Theory]
    [InlineData("error-capped.hex")]
    [InlineData("error-uncapped.hex")]
    public void Refusal_carries_errno_and_kernel_text(string file)
    {
        NetlinkMessage m = Messages.Single(Captures.Single(file));
        Assert.Equal(Nl.NLMSG_ERROR, m.Type);
        NetlinkException e = NetlinkSocket.ParseError(m)!;
        Assert.Equal(EOPNOTSUPP, e.Errno);
        Assert.Equal("Unknown device type", e.KernelMessage);
        Assert.StartsWith("Unknown device type (", e.Message);
    }

    [Fact]
    public void Plain_ack_is_null()
    {
        byte[] ack = Hex.Parse("24000000 0200 0001 07000000 00000000  00000000  14000000 1000 0500 07000000 00000000");
        Assert.Null(NetlinkSocket.ParseError(Messages.Single(ack)));
    }

    [Fact]
    public void Error_without_tlvs_has_no_kernel_text()
    {
        byte[] err = Hex.Parse("24000000 0200 0001 07000000 00000000  efffffff  14000000 1000 0500 07000000 00000000");
        NetlinkException e = NetlinkSocket.ParseError(Messages.Single(err))!;
        Assert.Equal(17, e.Errno); // EEXIST
        Assert.Null(e.KernelMessage);
    }

    [Fact]
    public void Error_carrying_done_reads_tlvs_right_after_the_code()
    {
        // NLMSG_DONE of a failed dump: the error code, then extended-ack attributes (no echoed request).
        byte[] done = Hex.Parse("1c000000 0300 0202 01000000 00000000  eaffffff  0800 0100 626164 00");
        NetlinkException e = NetlinkSocket.ParseError(Messages.Single(done))!;
        Assert.Equal(22, e.Errno);
        Assert.Equal("bad", e.KernelMessage);
    }

    [Fact]
    public void Error_too_short_for_its_code_is_a_protocol_error()
    {
        byte[] bad = Hex.Parse("12000000 0200 0000 00000000 00000000 0000");
        Assert.Throws<NetlinkProtocolException>(() => NetlinkSocket.ParseError(Messages.Single(bad)));
    }

    [Theory]
    [InlineData("ffffff7f")] // Align(0x7fffffff) overflowed to a negative offset: ArgumentOutOfRange before the fix
    [InlineData("ffffffff")]
    [InlineData("00010000")] // longer than the message
    [InlineData("08000000")] // shorter than the header it echoes
    public void Echoed_length_that_does_not_fit_is_a_protocol_error(string echoedLength)
    {
        // Found by the fuzz tests: an uncapped error whose echoed nlmsg_len is bogus.
        byte[] bad = Hex.Parse($"2c000000 0200 0002 07000000 00000000  a1ffffff  {echoedLength} 1000 0506 07000000 00000000  0800 0100 61626300");
        Assert.Throws<NetlinkProtocolException>(() => NetlinkSocket.ParseError(Messages.Single(bad)));
    }
}
