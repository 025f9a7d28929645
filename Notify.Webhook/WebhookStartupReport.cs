using Microsoft.Extensions.Options;
using Notify.Webhook.Sending;
using Notify.Webhook.Signing;

namespace Notify.Webhook;

/// <summary>
/// Says at start how webhooks will be signed and which hosts skip the SSRF guard: how many
/// secrets (never their values), and the allow-list, loudly, since it must be empty in production.
/// </summary>
internal sealed partial class WebhookStartupReport(WebhookSigner signer, IOptions<WebhookOptions> options, IHostEnvironment environment,
    ILogger<WebhookStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogSigning(logger, signer.SecretCount);
        var allowed = options.Value.AllowedHosts;
        if (allowed.Count > 0)
        {
            if (environment.IsDevelopment())
            {
                LogAllowList(logger, string.Join(", ", allowed));
            }
            else
            {
                LogAllowListOutsideDevelopment(logger, string.Join(", ", allowed), environment.EnvironmentName);
            }
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Webhooks are signed with {Count} secret(s) (Standard Webhooks v1)")]
    private static partial void LogSigning(ILogger logger, int count);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Webhook hosts allowed to reach internal addresses (development): {Hosts}")]
    private static partial void LogAllowList(ILogger logger, string hosts);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Webhook hosts allowed to reach internal addresses in {Environment}: {Hosts}. This list should be empty in production")]
    private static partial void LogAllowListOutsideDevelopment(ILogger logger, string hosts, string environment);
}
