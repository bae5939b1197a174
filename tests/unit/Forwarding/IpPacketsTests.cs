using System.Buffers.Binary;
using System.Net;
using OverlayNet.Forwarding;

namespace OverlayNet.Netlink.Tests.Forwarding;

public class IpPacketsTests
{
    internal static byte[] Ipv4(int length, string source = "10.244.1.2", string destination = "10.244.2.2", byte protocol = 6)
    {
        var p = new byte[length];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)length);
        p[6] = 0x40;             // DF
        p[8] = 64;
        p[9] = protocol;
        IPAddress.Parse(source).TryWriteBytes(p.AsSpan(12), out _);
        IPAddress.Parse(destination).TryWriteBytes(p.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), IpPackets.Checksum(p.AsSpan(0, 20)));
        return p;
    }

    internal static byte[] Ipv6(int length, string source = "fd00:244:1::2", string destination = "fd00:244:2::2", byte next = 6)
    {
        var p = new byte[length];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(length - 40));
        p[6] = next;
        p[7] = 64;
        IPAddress.Parse(source).TryWriteBytes(p.AsSpan(8), out _);
        IPAddress.Parse(destination).TryWriteBytes(p.AsSpan(24), out _);
        return p;
    }

    [Fact]
    public void WholePacketsAreValid()
    {
        Assert.True(IpPackets.IsValid(Ipv4(20)));
        Assert.True(IpPackets.IsValid(Ipv4(1500)));
        Assert.True(IpPackets.IsValid(Ipv6(40)));
        Assert.True(IpPackets.IsValid(Ipv6(1280)));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x45, 0, 0, 20 })]                     // shorter than a header
    [InlineData(new byte[] { 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })] // version 1
    public void NonPacketsAreMalformed(byte[] data) => Assert.False(IpPackets.IsValid(data));

    [Fact]
    public void LengthFieldsMustMatchTheDatagram()
    {
        byte[] truncated = Ipv4(100)[..60];
        Assert.False(IpPackets.IsValid(truncated));
        byte[] shortHeader = Ipv4(40);
        shortHeader[0] = 0x44;                                        // IHL 4 (16 bytes) < 20
        Assert.False(IpPackets.IsValid(shortHeader));
        byte[] longHeader = Ipv4(40);
        longHeader[0] = 0x4f;                                         // IHL 15 (60 bytes) > total 40
        Assert.False(IpPackets.IsValid(longHeader));
        byte[] v6 = Ipv6(100);
        Assert.False(IpPackets.IsValid(v6.AsSpan(0, 99)));
        byte[] jumbo = Ipv6(60);
        jumbo[4] = jumbo[5] = 0;                                      // payload length 0: jumbogram
        Assert.False(IpPackets.IsValid(jumbo));
    }

    [Fact]
    public void ChecksumOfAHeaderWithItsChecksumIsZero()
    {
        Assert.Equal(0, IpPackets.Checksum(Ipv4(20).AsSpan(0, 20)));
    }
}
