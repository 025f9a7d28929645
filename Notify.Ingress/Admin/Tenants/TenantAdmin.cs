using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Notify.Ingress.Authentication;
using Notify.Ingress.Validation;
using Notify.Outbox.Tenants;
using Proto = Notify.Grpc.Admin.V1;

namespace Notify.Ingress.Admin.Tenants;

/// <summary>
/// Tenants and their API keys through the admin API. A key is in the answer that created it and
/// nowhere else: not in the audit log (only its display prefix), not in a log line.
/// </summary>
internal sealed class TenantAdmin(TenantStore store, ApiKeyAuthenticator authenticator)
{
    public const int MaxNameLength = 100;
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxGracePeriod = TimeSpan.FromDays(30);

    public async Task<Proto.TenantKey> CreateAsync(Proto.CreateTenantRequest request, AdminCall call, CancellationToken cancellationToken)
    {
        var name = request.Name.Trim();
        // A name that is a UUID would be ambiguous wherever a tenant is given "by id or name".
        if (name.Length is 0 or > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || Guid.TryParse(name, out _))
        {
            FieldViolations.ThrowInvalid("name", $"must be 1 to {MaxNameLength} letters, digits, '-', '_' or '.', and not a UUID");
        }
        call.Describe("name", name);
        var created = await store.TryCreateNewAsync(name, cancellationToken)
            ?? throw new RpcException(new Status(StatusCode.AlreadyExists, $"A tenant named '{name}' already exists; rotate its key instead."));
        call.TenantId = created.Id;
        call.Describe("key_prefix", ApiKeys.DisplayPrefix(created.ApiKey));
        return new Proto.TenantKey
        {
            TenantId = created.Id.ToString(),
            TenantName = created.Name,
            ApiKey = created.ApiKey,
            KeyPrefix = ApiKeys.DisplayPrefix(created.ApiKey),
        };
    }

    public async Task<Proto.TenantKey> RotateKeyAsync(Proto.RotateTenantKeyRequest request, AdminCall call, CancellationToken cancellationToken)
    {
        var grace = DefaultGracePeriod;
        if (request.GracePeriod is { } given)
        {
            var valid = given.Seconds >= 0 && given.Nanos >= 0 && given.Nanos < 1_000_000_000;
            if (!valid || given.ToTimeSpan() > MaxGracePeriod)
            {
                FieldViolations.ThrowInvalid("grace_period", $"must be zero (revoke the other keys now) to {MaxGracePeriod.TotalDays:0} days; unset means 24 h");
            }
            grace = given.ToTimeSpan();
        }
        var tenant = (await AdminArguments.TenantAsync(store, request.Tenant, "tenant", required: true, cancellationToken))!;
        call.TenantId = tenant.Id;
        call.Describe("grace_seconds", (long)grace.TotalSeconds);

        var rotated = await store.RotateKeyAsync(tenant.Id, grace, cancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No tenant with the id or name '{request.Tenant.Trim()}' (tenant)."));
        // This replica stops trusting the old keys from its cache at once; others within the cache duration.
        authenticator.Forget(tenant.Id);
        call.Describe("key_prefix", ApiKeys.DisplayPrefix(rotated.ApiKey))
            .Describe("previous_keys_expire_at", rotated.PreviousKeysExpireAt?.ToString("O"));
        return new Proto.TenantKey
        {
            TenantId = rotated.Tenant.Id.ToString(),
            TenantName = rotated.Tenant.Name,
            ApiKey = rotated.ApiKey,
            KeyPrefix = ApiKeys.DisplayPrefix(rotated.ApiKey),
            PreviousKeysExpireAt = AdminArguments.Proto(rotated.PreviousKeysExpireAt),
        };
    }

    public async Task<Proto.ListTenantsResponse> ListAsync(AdminCall call, CancellationToken cancellationToken)
    {
        var tenants = await store.ListAsync(cancellationToken);
        call.Describe("count", tenants.Count);
        var response = new Proto.ListTenantsResponse();
        response.Tenants.AddRange(tenants.Select(t => new Proto.Tenant
        {
            TenantId = t.Id.ToString(),
            Name = t.Name,
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(t.CreatedAt, DateTimeKind.Utc)),
            Disabled = t.Disabled,
            ActiveKeyPrefixes = { t.ActiveKeyPrefixes },
        }));
        return response;
    }
}
