using Notify.Sandbox.Receipts;

namespace Notify.Sandbox.Control;

/// <summary>
/// <c>GET /sandbox/receipts</c> (what was planned and sent, with the receivers' answers) and
/// <c>POST /sandbox/receipts/resend</c>, which replays a delivery's receipts byte for byte so a
/// test can prove the receiver ignores a replay.
/// </summary>
public static class ReceiptControlApi
{
    public static RouteGroupBuilder MapReceipts(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/receipts", (ReceiptLog log, string? deliveryId, string? provider) =>
            Results.Ok(new { receipts = log.Find(deliveryId, provider) }));

        sandbox.MapPost("/receipts/resend", ResendAsync);
        return sandbox;
    }

    /// <summary>
    /// Sends each receipt of the delivery already sent once more, in order, one try each (no delay,
    /// no retries) and answers when the receiver has answered them all: the same bodies and event
    /// ids; SendGrid's signature is made anew with the current timestamp, as SendGrid's retries are.
    /// </summary>
    private static async Task<IResult> ResendAsync(ResendRequest? request, ReceiptLog log, ReceiptPoster poster, CancellationToken cancellationToken)
    {
        if (request?.DeliveryId is not { Length: > 0 } deliveryId)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["deliveryId"] = ["deliveryId is required."] });
        }
        var receipts = log.SentFor(deliveryId);
        foreach (var receipt in receipts)
        {
            await poster.PostAsync(receipt, cancellationToken);
        }
        return Results.Ok(new { count = receipts.Count, receipts = log.Find(deliveryId, provider: null) });
    }
}

/// <summary>Body of <c>POST /sandbox/receipts/resend</c>.</summary>
public sealed record ResendRequest(string? DeliveryId);
