using System.Diagnostics.CodeAnalysis;
using Google.Rpc;
using Grpc.Core;

namespace Notify.Ingress.Validation;

/// <summary>
/// Collects field problems of one request and turns them into INVALID_ARGUMENT with a
/// <c>google.rpc.BadRequest</c> detail. Descriptions name the rule, never echo the value:
/// a bad value may be a secret or personal data.
/// </summary>
public sealed class FieldViolations
{
    private List<BadRequest.Types.FieldViolation>? _violations;

    public bool IsEmpty => _violations is null;

    public IReadOnlyList<BadRequest.Types.FieldViolation> Items => _violations ?? [];

    public void Add(string field, string description)
        => (_violations ??= []).Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });

    public void ThrowIfAny(string summary = "The request is invalid")
    {
        if (_violations is not null)
        {
            ThrowInvalid(summary, _violations);
        }
    }

    public RpcException ToException(string summary = "The request is invalid")
        => Create(summary, _violations ?? []);

    [DoesNotReturn]
    public static void ThrowInvalid(string field, string description)
        => ThrowInvalid("The request is invalid", [new BadRequest.Types.FieldViolation { Field = field, Description = description }]);

    [DoesNotReturn]
    private static void ThrowInvalid(string summary, IEnumerable<BadRequest.Types.FieldViolation> violations)
        => throw Create(summary, violations);

    private static RpcException Create(string summary, IEnumerable<BadRequest.Types.FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations);
        var message = summary + ": " + string.Join("; ", badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}"));
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = message,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }
}
