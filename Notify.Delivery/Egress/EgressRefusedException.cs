using System.Net;

namespace Notify.Delivery.Egress;

/// <summary>
/// Thrown by <see cref="EgressGuard"/> instead of connecting to an internal address. It reaches
/// the caller as the inner exception of an <see cref="HttpRequestException"/>. The message
/// names the address and its kind, never the URL (paths and queries carry secrets).
/// </summary>
public sealed class EgressRefusedException(AddressKind kind, IPAddress address, bool literal)
    : Exception(literal
        ? $"The endpoint address {address} is {kind.Describe()}; Notify sends only to public addresses."
        : $"The endpoint's host resolves to {address}, {kind.Describe()}; Notify sends only to public addresses.")
{
    public AddressKind Kind { get; } = kind;

    public IPAddress Address { get; } = address;

    /// <summary>The refusal inside <paramref name="exception"/>, if that is why it failed.</summary>
    public static EgressRefusedException? FindIn(Exception exception)
    {
        for (var e = (Exception?)exception; e is not null; e = e.InnerException)
        {
            if (e is EgressRefusedException refused)
            {
                return refused;
            }
        }
        return null;
    }
}
