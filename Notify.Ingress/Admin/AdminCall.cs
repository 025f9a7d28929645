using Grpc.Core;
using Notify.Ingress.Admin.Authentication;

namespace Notify.Ingress.Admin;

/// <summary>
/// One authenticated admin call: who made it (the token's subject and role), from where, and what
/// the audit entry will say about it. The interceptor attaches it; the handlers fill in the tenant
/// and the detail as they learn them, so a refusal half-way is still recorded with what was asked.
/// </summary>
internal sealed class AdminCall(string action, string actor, AdminRole? role, string roleClaim, string clientAddress)
{
    private const string Key = "notify.admin.call";
    private readonly List<string> _detail = [];

    public string Action { get; } = action;

    /// <summary>The token's <c>sub</c>: recorded as the actor of every change.</summary>
    public string Actor { get; } = actor;

    /// <summary>The token's role; null when its <c>role</c> claim names no known role.</summary>
    public AdminRole? Role { get; } = role;

    /// <summary>The <c>role</c> claim as the token said it (for the audit entry).</summary>
    public string RoleClaim { get; } = roleClaim;

    public string ClientAddress { get; } = clientAddress;

    /// <summary>
    /// The tenant the token is limited to (its <c>tenant</c> claim, resolved), or null for a token
    /// of every tenant. Set by the interceptor before the handler runs.
    /// </summary>
    public Guid? ScopeTenant { get; set; }

    /// <summary>The token's <c>tenant</c> claim as it said it; empty when it has none.</summary>
    public string TenantClaim { get; init; } = "";

    /// <summary>The tenant the call concerns, once known.</summary>
    public Guid? TenantId { get; set; }

    public string Detail => string.Join(' ', _detail);

    /// <summary>
    /// Adds <c>name=value</c> to the audit detail (quoted when it has spaces; nothing when null).
    /// Never pass a secret or a body.
    /// </summary>
    public AdminCall Describe(string name, object? value)
    {
        if (value is null)
        {
            return this;
        }
        var text = value switch
        {
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        _detail.Add(text.Length == 0 || text.Any(c => char.IsWhiteSpace(c) || c == '"')
            ? $"{name}=\"{text.Replace("\"", "'", StringComparison.Ordinal)}\""
            : $"{name}={text}");
        return this;
    }

    public static AdminCall Get(ServerCallContext context)
        => context.UserState.TryGetValue(Key, out var value) && value is AdminCall call
            ? call
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "No admin caller on this call."));

    public void Attach(ServerCallContext context) => context.UserState[Key] = this;
}
