namespace Notify.Delivery.Egress;

/// <summary>
/// What a destination IP address is, as far as sending to caller-supplied URLs is concerned.
/// Everything but <see cref="Public"/> is refused by <see cref="EgressGuard"/>: those ranges
/// reach this machine, the private network it runs in, or the cloud's metadata service.
/// </summary>
public enum AddressKind
{
    /// <summary>A globally routable unicast address: the only kind webhooks go to.</summary>
    Public,

    /// <summary>127.0.0.0/8, ::1.</summary>
    Loopback,

    /// <summary>0.0.0.0/8 ("this network": Linux connects 0.0.0.0 to the local host), ::.</summary>
    Unspecified,

    /// <summary>10/8, 172.16/12, 192.168/16, IPv6 unique local fc00::/7 and the old site-local fec0::/10.</summary>
    Private,

    /// <summary>100.64/10, carrier-grade NAT: provider-internal (Alibaba's metadata service lives here).</summary>
    SharedAddressSpace,

    /// <summary>169.254/16 and fe80::/10.</summary>
    LinkLocal,

    /// <summary>A cloud instance-metadata address: 169.254.169.254, fd00:ec2::254.</summary>
    Metadata,

    /// <summary>224/4, ff00::/8.</summary>
    Multicast,

    /// <summary>255.255.255.255.</summary>
    Broadcast,

    /// <summary>Documentation, benchmarking, protocol-assignment, Teredo and other special-purpose ranges.</summary>
    Reserved,
}

public static class AddressKinds
{
    /// <summary>The metric tag and log word for a kind: <c>loopback</c>, <c>link_local</c>…</summary>
    public static string Reason(this AddressKind kind) => kind switch
    {
        AddressKind.Public => "public",
        AddressKind.Loopback => "loopback",
        AddressKind.Unspecified => "unspecified",
        AddressKind.Private => "private",
        AddressKind.SharedAddressSpace => "shared_address_space",
        AddressKind.LinkLocal => "link_local",
        AddressKind.Metadata => "metadata",
        AddressKind.Multicast => "multicast",
        AddressKind.Broadcast => "broadcast",
        _ => "reserved",
    };

    /// <summary>How a kind reads in an error message a tenant sees: "a loopback address".</summary>
    public static string Describe(this AddressKind kind) => kind switch
    {
        AddressKind.Public => "a public address",
        AddressKind.Loopback => "a loopback address",
        AddressKind.Unspecified => "an unspecified address",
        AddressKind.Private => "a private-network address",
        AddressKind.SharedAddressSpace => "a carrier-grade NAT (shared) address",
        AddressKind.LinkLocal => "a link-local address",
        AddressKind.Metadata => "a cloud metadata address",
        AddressKind.Multicast => "a multicast address",
        AddressKind.Broadcast => "the broadcast address",
        _ => "a reserved special-purpose address",
    };
}
