using System.Buffers.Binary;
using OverlayNet.Forwarding;

namespace OverlayNet.Netlink.Tests.Forwarding;

public class IcmpTooBigTests
{
    [Fact]
    public void Ipv4FragmentationNeeded()
    {
        byte[] original = IpPacketsTests.Ipv4(2000);
        var d = new byte[IcmpTooBig.MaxLength];
        int length = IcmpTooBig.Write(original, 1472, d);
        Assert.Equal(20 + 8 + 548, length);
        Assert.True(IpPackets.IsValid(d.AsSpan(0, length)));
        Assert.Equal(1, d[9]);                                                   // ICMP
        Assert.Equal(original[16..20], d[12..16]);                               // from the original destination
        Assert.Equal(original[12..16], d[16..20]);                               // to the original source
        Assert.Equal(0, IpPackets.Checksum(d.AsSpan(0, 20)));                    // header checksum holds
        Assert.Equal(3, d[20]);                                                  // destination unreachable
        Assert.Equal(4, d[21]);                                                  // fragmentation needed
        Assert.Equal(1472, BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(26)));  // next-hop MTU
        Assert.Equal(0, IpPackets.Checksum(d.AsSpan(20, length - 20)));          // ICMP checksum holds
        Assert.Equal(original[..548], d[28..length]);                            // quotes the original
    }

    [Fact]
    public void Ipv6PacketTooBig()
    {
        byte[] original = IpPacketsTests.Ipv6(2000);
        var d = new byte[IcmpTooBig.MaxLength];
        int length = IcmpTooBig.Write(original, 1452, d);
        Assert.Equal(1280, length);
        Assert.True(IpPackets.IsValid(d.AsSpan(0, length)));
        Assert.Equal(58, d[6]);
        Assert.Equal(original[24..40], d[8..24]);
        Assert.Equal(original[8..24], d[24..40]);
        Assert.Equal(2, d[40]);
        Assert.Equal(0, d[41]);
        Assert.Equal(1452u, BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(44)));
        // Checksum over the pseudo-header and the message comes out as zero.
        uint sum = 0;
        for (int i = 8; i < 40; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(i));
        sum += (uint)(length - 40) + 58;
        Assert.Equal(0, IpPackets.Checksum(d.AsSpan(40, length - 40), sum));
    }

    [Fact]
    public void NoErrorAboutAnError()
    {
        byte[] icmpError = IpPacketsTests.Ipv4(1600, protocol: 1);
        icmpError[20] = 3;                                                       // itself "unreachable"
        Assert.Equal(0, IcmpTooBig.Write(icmpError, 1472, new byte[IcmpTooBig.MaxLength]));
        byte[] echo = IpPacketsTests.Ipv4(1600, protocol: 1);
        echo[20] = 8;                                                            // an echo request does get one
        Assert.NotEqual(0, IcmpTooBig.Write(echo, 1472, new byte[IcmpTooBig.MaxLength]));
        byte[] v6Error = IpPacketsTests.Ipv6(1600, next: 58);
        v6Error[40] = 1;
        Assert.Equal(0, IcmpTooBig.Write(v6Error, 1280, new byte[IcmpTooBig.MaxLength]));
    }

    [Fact]
    public void NoErrorForALaterFragmentOrAnUnspecifiedSource()
    {
        byte[] fragment = IpPacketsTests.Ipv4(1600);
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(6), 185);          // offset 185*8
        Assert.Equal(0, IcmpTooBig.Write(fragment, 1472, new byte[IcmpTooBig.MaxLength]));
        byte[] fromNowhere = IpPacketsTests.Ipv4(1600, source: "0.0.0.0");
        Assert.Equal(0, IcmpTooBig.Write(fromNowhere, 1472, new byte[IcmpTooBig.MaxLength]));
    }

    [Fact]
    public void ShortPacketIsQuotedWhole()
    {
        byte[] original = IpPacketsTests.Ipv4(300);
        var d = new byte[IcmpTooBig.MaxLength];
        Assert.Equal(28 + 300, IcmpTooBig.Write(original, 200, d));
    }
}
