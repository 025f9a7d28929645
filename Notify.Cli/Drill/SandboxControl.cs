using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Notify.Cli.Drill;

/// <summary>How often one delivery id was accepted by one provider, and whether its first arrival was throttled.</summary>
public sealed record SandboxArrival(string Provider, string DeliveryId, int Arrivals, bool ThrottledFirst);

/// <summary>
/// The provider sandbox's control API, as the drill uses it: the run's faults (invalid contacts,
/// first arrivals answered 429) set for its providers and the earlier faults put back after,
/// and how often each delivery arrived (<c>/sandbox/arrivals</c>).
/// </summary>
public sealed class SandboxControl(HttpClient http, Uri sandbox)
{
    private static readonly string[] DrillProviders = ["sendgrid", "smtp", "whatsapp"];

    /// <summary>Fails with how to fix it when the sandbox predates the drill's faults (it would ignore them silently).</summary>
    public Task EnsureSupportedAsync(CancellationToken cancellationToken) =>
        GetAsync<JsonElement>("/sandbox/arrivals?minArrivals=1000000", cancellationToken);

    /// <summary>The faults in force for the drill's providers, to put back with <see cref="RestoreAsync"/>.</summary>
    public async Task<IReadOnlyDictionary<string, JsonObject>> SaveFaultsAsync(CancellationToken cancellationToken)
    {
        var current = await GetAsync<JsonObject>("/sandbox/faults", cancellationToken);
        return DrillProviders.Where(current.ContainsKey)
            .ToDictionary(p => p, p => current[p]!.AsObject().DeepClone().AsObject(), StringComparer.Ordinal);
    }

    /// <summary>
    /// For the run: this run's invalid contacts refused permanently by every provider of their
    /// channel (SMTP too, where email fails over), and the first arrival of
    /// <see cref="DrillOptions.ThrottlePercent"/> of messages answered 429 by SendGrid and WhatsApp.
    /// </summary>
    public async Task SetDrillFaultsAsync(DrillPlan plan, CancellationToken cancellationToken)
    {
        foreach (var channel in DrillPlan.Channels)
        {
            foreach (var provider in DrillPlan.Providers[channel])
            {
                var faults = new JsonObject
                {
                    ["provider"] = provider,
                    ["invalidRecipientPattern"] = plan.InvalidRecipientPattern(channel),
                    ["retryAfterSeconds"] = plan.Options.RetryAfterSeconds,
                };
                if (provider != "smtp")
                {
                    faults["throttleFirstArrivalPercent"] = plan.Options.ThrottlePercent;
                }
                await PostFaultsAsync(faults, cancellationToken);
            }
        }
    }

    /// <summary>Puts back what <see cref="SaveFaultsAsync"/> saw: the saved faults, or none.</summary>
    public async Task RestoreAsync(IReadOnlyDictionary<string, JsonObject> saved, CancellationToken cancellationToken)
    {
        foreach (var provider in DrillProviders)
        {
            if (saved.TryGetValue(provider, out var faults))
            {
                var body = faults.DeepClone().AsObject();
                body["provider"] = provider;
                await PostFaultsAsync(body, cancellationToken);
            }
            else
            {
                using var response = await http.DeleteAsync(new Uri(sandbox, $"/sandbox/faults?provider={provider}"), cancellationToken);
                response.EnsureSuccessStatusCode();
            }
        }
    }

    /// <summary>Every delivery id the providers of <paramref name="channel"/> saw.</summary>
    public async Task<IReadOnlyList<SandboxArrival>> ArrivalsAsync(string channel, CancellationToken cancellationToken)
    {
        var arrivals = new List<SandboxArrival>();
        foreach (var provider in DrillPlan.Providers[channel])
        {
            var body = await GetAsync<JsonElement>($"/sandbox/arrivals?provider={provider}", cancellationToken);
            arrivals.AddRange(body.GetProperty("arrivals").EnumerateArray().Select(a => new SandboxArrival(
                a.GetProperty("provider").GetString()!, a.GetProperty("deliveryId").GetString()!,
                a.GetProperty("arrivals").GetInt32(), a.GetProperty("throttledFirst").GetBoolean())));
        }
        return arrivals;
    }

    private async Task PostFaultsAsync(JsonObject faults, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri(sandbox, "/sandbox/faults"), faults, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new CliException(ExitCodes.Failed,
                $"The sandbox refused the drill's faults for {faults["provider"]} ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(sandbox, path), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new CliException(ExitCodes.Usage,
                $"The sandbox at {sandbox} has no {path.Split('?')[0]}: it runs an older build. Rebuild (dotnet build Notify.sln) and restart the AppHost.");
        }
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>(cancellationToken))!;
    }
}
