using System.Security.Claims;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Notify.Ingress.Admin.Authentication;
using Notify.Ingress.Admin.Replay;
using Notify.Outbox.Audit;
using Notify.Outbox.Tenants;
using Npgsql;

namespace Notify.Ingress.Admin;

/// <summary>
/// The admin API's door, around every call of <c>AdminService</c> (gRPC and HTTP JSON alike):
/// UNAVAILABLE when no signing key is configured; the admin JWT (UNAUTHENTICATED without a valid
/// one, not audited: there is nobody to name); the role the rpc requires (PERMISSION_DENIED);
/// for a replay, the body signature checked by <see cref="ReplaySignatureMiddleware"/>
/// (UNAUTHENTICATED). Every call that got past the token is written to the audit log with its
/// outcome, refusals included.
/// </summary>
internal sealed partial class AdminInterceptor(IOptions<AdminOptions> options, AuditLogStore audit, TenantStore tenants,
    ILogger<AdminInterceptor> logger)
    : Interceptor
{
    private const int MaxSubjectLength = 200;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var call = await AuthenticateAsync(context);
        TResponse response = default!;
        await RunAuditedAsync(call, context, async () => response = await continuation(request, context));
        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var call = await AuthenticateAsync(context);
        await RunAuditedAsync(call, context, () => continuation(request, responseStream, context));
    }

    private async Task<AdminCall> AuthenticateAsync(ServerCallContext context)
    {
        if (!options.Value.Configured)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                "admin API not configured: set Notify:Admin:Jwt:SigningKeys and Notify:Admin:ReplayHmacSecret on the ingress."));
        }
        var http = context.GetHttpContext();
        var result = await http.AuthenticateAsync(AdminJwt.Scheme);
        if (!result.Succeeded)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, result.None
                ? "Missing admin token: send 'authorization: Bearer <admin JWT>'."
                : "The admin token is not valid: " + Why(result.Failure)));
        }
        var principal = result.Principal;
        var subject = principal.FindFirstValue(AdminJwt.SubjectClaim)?.Trim();
        if (string.IsNullOrEmpty(subject) || subject.Length > MaxSubjectLength || subject.Any(char.IsControl))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"The admin token is not valid: it needs a 'sub' claim naming the person or tool (1 to {MaxSubjectLength} characters, one line)."));
        }
        var roleClaim = principal.FindFirstValue(AdminJwt.RoleClaim) ?? "";
        var call = new AdminCall(ActionOf(context), subject, AdminRoles.Parse(roleClaim), roleClaim.Length <= 50 ? roleClaim : roleClaim[..50],
            ClientAddress(http))
        {
            TenantClaim = principal.FindFirstValue(AdminJwt.TenantClaim)?.Trim() ?? "",
        };
        call.Attach(context);
        return call;
    }

    private async Task RunAuditedAsync(AdminCall call, ServerCallContext context, Func<Task> body)
    {
        var outcome = "OK";
        try
        {
            Authorize(call, context);
            await ScopeAsync(call, context.CancellationToken);
            await body();
        }
        catch (Exception ex)
        {
            outcome = OutcomeOf(ex, context);
            throw;
        }
        finally
        {
            await AuditAsync(call, outcome);
        }
    }

    private static void Authorize(AdminCall call, ServerCallContext context)
    {
        var required = AdminRoles.For(call.Action);
        if (call.Role is not { } role || role < required)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{call.Action} requires the role '{AdminRoles.Name(required)}' or higher; this token's role is " +
                $"'{(call.Role is { } r ? AdminRoles.Name(r) : call.RoleClaim)}'."));
        }
        if (call.Action == "ReplayDeadLetters")
        {
            var verdict = ReplaySignatureMiddleware.VerdictOf(context.GetHttpContext());
            if (verdict != SignatureVerdict.Valid)
            {
                call.Describe("signature", verdict.ToString().ToLowerInvariant());
                throw new RpcException(new Status(StatusCode.Unauthenticated, SignatureMessage(verdict)));
            }
        }
    }

    /// <summary>
    /// A token with a <c>tenant</c> claim is limited to that tenant: only the rpcs that can answer
    /// for one tenant (PERMISSION_DENIED for the others), and the handlers then see and change
    /// only that tenant's rows (<see cref="AdminCall.ScopeTenant"/>). A claim naming no tenant is
    /// refused rather than ignored: ignoring it would widen the token to every tenant.
    /// </summary>
    private async Task ScopeAsync(AdminCall call, CancellationToken cancellationToken)
    {
        if (call.TenantClaim.Length == 0)
        {
            return;
        }
        if (!AdminRoles.AllowsTenantScope(call.Action))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{call.Action} concerns every tenant; this token is limited to the tenant '{call.TenantClaim}'."));
        }
        var tenant = call.TenantClaim.Length <= 100 && !call.TenantClaim.Any(char.IsControl)
            ? await tenants.FindAsync(call.TenantClaim, cancellationToken)
            : null;
        if (tenant is null)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                "The admin token's 'tenant' claim names no tenant (a tenant id or name)."));
        }
        call.ScopeTenant = tenant.Id;
        call.TenantId = tenant.Id;
    }

    private async Task AuditAsync(AdminCall call, string outcome)
    {
        try
        {
            // Not the call's token: a call the client gave up on is still recorded.
            await audit.AppendAsync(new NewAuditEntry(call.Actor, call.RoleClaim, call.Action, call.TenantId, call.ClientAddress, outcome,
                call.Detail), CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogAuditFailed(logger, call.Action, outcome, ex.GetType().Name);
        }
    }

    /// <summary>The gRPC status code name an exception ends the call with, as the audit log records it.</summary>
    private static string OutcomeOf(Exception exception, ServerCallContext context) => exception switch
    {
        RpcException rpc => StatusName(rpc.StatusCode),
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => StatusName(StatusCode.Cancelled),
        NpgsqlException or TimeoutException => StatusName(StatusCode.Unavailable),
        _ => StatusName(StatusCode.Internal),
    };

    /// <summary><c>PermissionDenied</c> → <c>PERMISSION_DENIED</c>, as gRPC names its codes.</summary>
    public static string StatusName(StatusCode code)
    {
        var name = code.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && code != StatusCode.OK)
            {
                builder.Append('_');
            }
            builder.Append(char.ToUpperInvariant(name[i]));
        }
        return builder.ToString();
    }

    /// <summary>The rpc name: the last segment of <c>/notify.admin.v1.AdminService/Name</c>.</summary>
    private static string ActionOf(ServerCallContext context)
    {
        var method = context.Method;
        return method[(method.LastIndexOf('/') + 1)..];
    }

    private static string ClientAddress(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    private static string Why(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException => "it has expired.",
        SecurityTokenNotYetValidException => "it is not valid yet.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
            "its signature does not match any configured key (Notify:Admin:Jwt:SigningKeys).",
        SecurityTokenInvalidIssuerException => "wrong issuer (Notify:Admin:Jwt:Issuer).",
        SecurityTokenInvalidAudienceException => "wrong audience (Notify:Admin:Jwt:Audience).",
        SecurityTokenInvalidAlgorithmException => "only HS256 tokens are accepted.",
        SecurityTokenNoExpirationException => "it has no expiry ('exp').",
        _ => "it is not a well-formed, signed JWT.",
    };

    private static string SignatureMessage(SignatureVerdict verdict) => verdict switch
    {
        SignatureVerdict.Missing => $"ReplayDeadLetters requires the '{ReplaySignature.Header}' header: t=<unix seconds>,v1=<hex " +
                                    "HMAC-SHA256(replay secret, \"<t>.\" + request body)>. Nothing was replayed.",
        SignatureVerdict.Stale => $"The '{ReplaySignature.Header}' timestamp is too far from the server's clock; sign again with " +
                                  "the current time. Nothing was replayed.",
        SignatureVerdict.Mismatch => $"The '{ReplaySignature.Header}' does not match the request body; sign the body exactly as " +
                                     "sent with the replay HMAC secret. Nothing was replayed.",
        SignatureVerdict.Compressed => "ReplayDeadLetters must not be sent compressed: the signature covers the message as " +
                                       "serialized. Nothing was replayed.",
        SignatureVerdict.TooLarge => "The replay request is too large to be a signed replay request. Nothing was replayed.",
        _ => $"The '{ReplaySignature.Header}' header is malformed: expected t=<unix seconds>,v1=<64 hex digits>. Nothing was replayed.",
    };

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error,
        Message = "The audit entry of an admin {Action} call (outcome {Outcome}) could not be written: {Error}")]
    private static partial void LogAuditFailed(ILogger logger, string action, string outcome, string error);
}
