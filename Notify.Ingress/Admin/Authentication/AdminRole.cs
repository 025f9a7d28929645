namespace Notify.Ingress.Admin.Authentication;

/// <summary>An admin token's role; each includes the ones before it.</summary>
public enum AdminRole
{
    /// <summary>Reads: status, dead letters, channel controls, the audit log.</summary>
    Viewer = 1,

    /// <summary>Changes the running system: replays, pauses and resumes, cleanup runs.</summary>
    Operator = 2,

    /// <summary>Manages tenants and their keys.</summary>
    Admin = 3,
}

/// <summary>The role each rpc of <c>notify.admin.v1.AdminService</c> requires (admin.proto's header).</summary>
internal static class AdminRoles
{
    private static readonly Dictionary<string, AdminRole> Required = new(StringComparer.Ordinal)
    {
        ["GetStatus"] = AdminRole.Viewer,
        ["ListDeadLetterGroups"] = AdminRole.Viewer,
        ["GetDeadLetter"] = AdminRole.Viewer,
        ["ListChannelControls"] = AdminRole.Viewer,
        ["ListAuditLog"] = AdminRole.Viewer,
        ["ReplayDeadLetters"] = AdminRole.Operator,
        ["PauseChannel"] = AdminRole.Operator,
        ["ResumeChannel"] = AdminRole.Operator,
        ["RunCleanup"] = AdminRole.Operator,
        ["CreateTenant"] = AdminRole.Admin,
        ["RotateTenantKey"] = AdminRole.Admin,
        ["ListTenants"] = AdminRole.Admin,
    };

    // What a token limited to one tenant (its `tenant` claim) may call: the calls about tenants'
    // messages, answered for that tenant only. Everything else acts on or shows the whole system
    // (pausing a channel, cleanup, tenants and keys, other operators' audit entries).
    private static readonly HashSet<string> TenantScoped = new(StringComparer.Ordinal)
    {
        "GetStatus", "ListDeadLetterGroups", "GetDeadLetter", "ReplayDeadLetters",
    };

    /// <summary>Whether a token limited to one tenant may call <paramref name="action"/>.</summary>
    public static bool AllowsTenantScope(string action) => TenantScoped.Contains(action);

    /// <summary>The rpc names, for checking a ListAuditLog action filter.</summary>
    public static IEnumerable<string> Actions => Required.Keys;

    /// <summary>The role an rpc requires; an rpc missing from the table (added later, not yet classified) requires admin.</summary>
    public static AdminRole For(string action) => Required.GetValueOrDefault(action, AdminRole.Admin);

    /// <summary>The role named by a token's <c>role</c> claim, or null for an unknown one.</summary>
    public static AdminRole? Parse(string? claim) => claim?.ToLowerInvariant() switch
    {
        "viewer" => AdminRole.Viewer,
        "operator" => AdminRole.Operator,
        "admin" => AdminRole.Admin,
        _ => null,
    };

    public static string Name(AdminRole role) => role.ToString().ToLowerInvariant();
}
