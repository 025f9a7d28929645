using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Notify.Ingress.Validation;
using Notify.Outbox.Tenants;

namespace Notify.Ingress.Admin;

/// <summary>
/// Checks shared by the admin handlers. Violations name the proto field (as <c>google.rpc.BadRequest</c>
/// field paths: <c>filter.channel</c>, <c>delivery_ids[3]</c>) and never echo a value back.
/// </summary>
internal static class AdminArguments
{
    /// <summary>
    /// Trimmed one-line text of at most <paramref name="maxLength"/> characters; null when empty and
    /// not <paramref name="required"/> (then a violation is added when required).
    /// </summary>
    public static string? Text(string value, string field, int maxLength, bool required, FieldViolations violations, string? purpose = null)
    {
        var trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            if (required)
            {
                violations.Add(field, "is required" + (purpose is null ? "" : ": " + purpose));
            }
            return null;
        }
        if (trimmed.Length > maxLength)
        {
            violations.Add(field, $"must be at most {maxLength:N0} characters");
            return null;
        }
        // Reasons and keys reach logs and the audit log: a newline could forge an entry.
        if (trimmed.Any(char.IsControl))
        {
            violations.Add(field, "must be one line without control characters");
            return null;
        }
        return trimmed;
    }

    /// <summary>A timestamp as UTC, or a violation for one out of protobuf's range.</summary>
    public static DateTime? Time(Timestamp? value, string field, FieldViolations violations)
    {
        if (value is null)
        {
            return null;
        }
        try
        {
            return value.ToDateTime();
        }
        catch (InvalidOperationException)
        {
            violations.Add(field, "is not a valid timestamp");
            return null;
        }
    }

    /// <summary>
    /// The tenant a request names by id or name: INVALID_ARGUMENT when empty and required, NOT_FOUND
    /// when no tenant has that id or name. Null only when empty and optional.
    /// </summary>
    public static async Task<Tenant?> TenantAsync(TenantStore tenants, string value, string field, bool required,
        CancellationToken cancellationToken)
    {
        var trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            if (required)
            {
                FieldViolations.ThrowInvalid(field, "is required: a tenant id (UUID) or name");
            }
            return null;
        }
        if (trimmed.Length > 100 || trimmed.Any(char.IsControl))
        {
            FieldViolations.ThrowInvalid(field, "must be a tenant id (UUID) or name (at most 100 characters)");
        }
        return await tenants.FindAsync(trimmed, cancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No tenant with the id or name '{trimmed}' ({field})."));
    }

    public static Timestamp? Proto(DateTime? value)
        => value is { } v ? Timestamp.FromDateTime(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
