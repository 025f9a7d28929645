namespace Notify.Sms.Receipts;

/// <summary>
/// Says once, when the process has started listening, where Twilio will post status callbacks,
/// or that it will not (no public address configured outside Development): without them SMS
/// deliveries stay SENT instead of reaching DELIVERED or FAILED.
/// </summary>
public sealed partial class StatusCallbackReport(StatusCallbackUrl callbacks, IHostApplicationLifetime lifetime, ILogger<StatusCallbackReport> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            if (callbacks.Base() is { } callback)
            {
                LogOn(logger, callback.GetLeftPart(UriPartial.Authority));
            }
            else
            {
                LogOff(logger);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Twilio status callbacks go to {Origin}" + StatusCallbackUrl.Path + ".")]
    private static partial void LogOn(ILogger logger, string origin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twilio status callbacks are off: set Notify:Receipts:PublicBaseUrl (or Notify:Sms:Twilio:StatusCallback) to the address Twilio can reach; until then SMS deliveries stay SENT.")]
    private static partial void LogOff(ILogger logger);
}
