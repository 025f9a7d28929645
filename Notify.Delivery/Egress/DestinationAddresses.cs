using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Notify.Delivery.Egress;

/// <summary>
/// Classifies destination addresses (IANA's IPv4 and IPv6 special-purpose registries, reduced
/// to what matters for server-side request forgery). IPv6 forms that carry an IPv4 address —
/// IPv4-mapped <c>::ffff:a.b.c.d</c>, IPv4-compatible <c>::a.b.c.d</c>, NAT64 <c>64:ff9b::/96</c>
/// and 6to4 <c>2002::/16</c> — are judged by the IPv4 address they lead to, so
/// <c>::ffff:127.0.0.1</c> is loopback however it is spelled.
/// </summary>
public static class DestinationAddresses
{
    // First match wins: the metadata address before the link-local range that holds it.
    private static readonly (IPNetwork Network, AddressKind Kind)[] V4Ranges =
    [
        Range("169.254.169.254/32", AddressKind.Metadata),
        Range("0.0.0.0/8", AddressKind.Unspecified),       // "this network": Linux connects 0.0.0.0 to itself
        Range("10.0.0.0/8", AddressKind.Private),
        Range("100.64.0.0/10", AddressKind.SharedAddressSpace),
        Range("127.0.0.0/8", AddressKind.Loopback),
        Range("169.254.0.0/16", AddressKind.LinkLocal),
        Range("172.16.0.0/12", AddressKind.Private),
        Range("192.0.0.0/24", AddressKind.Reserved),       // IETF protocol assignments
        Range("192.0.2.0/24", AddressKind.Reserved),       // TEST-NET-1
        Range("192.88.99.0/24", AddressKind.Reserved),     // 6to4 relay anycast (deprecated)
        Range("192.168.0.0/16", AddressKind.Private),
        Range("198.18.0.0/15", AddressKind.Reserved),      // benchmarking
        Range("198.51.100.0/24", AddressKind.Reserved),    // TEST-NET-2
        Range("203.0.113.0/24", AddressKind.Reserved),     // TEST-NET-3
        Range("224.0.0.0/4", AddressKind.Multicast),
        Range("255.255.255.255/32", AddressKind.Broadcast),
        Range("240.0.0.0/4", AddressKind.Reserved),
    ];

    // Checked after the forms that embed IPv4 (see ClassifyV6); anything outside 2000::/3 that
    // is not listed here is reserved too.
    private static readonly (IPNetwork Network, AddressKind Kind)[] V6Ranges =
    [
        Range("fd00:ec2::254/128", AddressKind.Metadata),  // AWS instance metadata over IPv6
        Range("fc00::/7", AddressKind.Private),            // unique local, includes fd00::/8
        Range("fec0::/10", AddressKind.Private),           // site-local (deprecated)
        Range("fe80::/10", AddressKind.LinkLocal),
        Range("ff00::/8", AddressKind.Multicast),
        Range("64:ff9b:1::/48", AddressKind.Reserved),     // local-use NAT64: leads into the local network
        Range("100::/64", AddressKind.Reserved),           // discard-only
        Range("2001::/23", AddressKind.Reserved),          // IETF protocol assignments, incl. Teredo 2001::/32
        Range("2001:db8::/32", AddressKind.Reserved),      // documentation
        Range("3fff::/20", AddressKind.Reserved),          // documentation
    ];

    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    public static AddressKind Classify(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => Lookup(V4Ranges, address) ?? AddressKind.Public,
        AddressFamily.InterNetworkV6 => ClassifyV6(address),
        _ => AddressKind.Reserved,
    };

    public static bool IsPublicAddress(IPAddress address) => Classify(address) == AddressKind.Public;

    private static AddressKind ClassifyV6(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        var high = BinaryPrimitives.ReadUInt64BigEndian(b);
        var low = BinaryPrimitives.ReadUInt64BigEndian(b[8..]);
        var lastFour = new IPAddress(b[12..]);

        if (high == 0)
        {
            return low switch
            {
                0 => AddressKind.Unspecified,                               // ::
                1 => AddressKind.Loopback,                                  // ::1
                _ when low >> 32 == 0xFFFF => Classify(lastFour),           // ::ffff:a.b.c.d, mapped
                // ::a.b.c.d (IPv4-compatible) and ::ffff:0:a.b.c.d (translated) are not routable
                // as IPv6: name the IPv4 problem if there is one, and refuse either way.
                _ => Classify(lastFour) is var kind && kind != AddressKind.Public ? kind : AddressKind.Reserved,
            };
        }
        if (Nat64.Contains(address))
        {
            return Classify(lastFour);
        }
        if (SixToFour.Contains(address))
        {
            return Classify(new IPAddress(b[2..6]));                       // 2002:AABB:CCDD::/48
        }
        return Lookup(V6Ranges, address) ?? (GlobalUnicast.Contains(address) ? AddressKind.Public : AddressKind.Reserved);
    }

    private static AddressKind? Lookup((IPNetwork Network, AddressKind Kind)[] ranges, IPAddress address)
    {
        foreach (var (network, kind) in ranges)
        {
            if (network.Contains(address))
            {
                return kind;
            }
        }
        return null;
    }

    private static (IPNetwork, AddressKind) Range(string cidr, AddressKind kind) => (IPNetwork.Parse(cidr), kind);
}
