namespace Notify.Outbox.Audit;

/// <summary>What one admin call is recorded as: who, what, about which tenant, from where, and how it ended.</summary>
/// <param name="Actor">The admin token's subject.</param>
/// <param name="Role">The admin token's role claim.</param>
/// <param name="Action">The rpc name, e.g. <c>ReplayDeadLetters</c>.</param>
/// <param name="TenantId">The tenant the call concerned, if one.</param>
/// <param name="ClientAddress">The caller's IP address, or <c>unknown</c>.</param>
/// <param name="Outcome"><c>OK</c> or the gRPC status code name of the refusal.</param>
/// <param name="Detail">What was asked and done, never a secret or a body.</param>
public sealed record NewAuditEntry(string Actor, string Role, string Action, Guid? TenantId, string ClientAddress, string Outcome, string Detail);

/// <summary>A recorded admin call.</summary>
public sealed record AuditEntry(long Id, DateTime OccurredAt, string Actor, string Role, string Action, Guid? TenantId, string ClientAddress,
    string Outcome, string Detail);
