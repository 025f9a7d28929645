namespace Notify.Sandbox.Providers;

/// <summary>
/// An injected timeout: the provider has already handled the request (an accepted message is
/// recorded) and then sits on the response. A caller that gives up sees a timeout for a message
/// that was in fact sent — the ambiguous case that turns a retry into a duplicate.
/// </summary>
public sealed class HangFilter(TimeProvider time, IHostApplicationLifetime lifetime) : IEndpointFilter
{
    public const string ItemKey = "Notify.Sandbox.Hang";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        if (context.HttpContext.Items[ItemKey] is TimeSpan hang)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.HttpContext.RequestAborted, lifetime.ApplicationStopping);
            try
            {
                await Task.Delay(hang, time, stop.Token);
            }
            catch (OperationCanceledException)
            {
                // The caller gave up or the sandbox is stopping; the response goes nowhere.
            }
        }
        return result;
    }
}
