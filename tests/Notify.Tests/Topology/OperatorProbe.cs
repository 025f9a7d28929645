using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Notify.AppHost;
using Notify.Hosting;

namespace Notify.Tests.Topology;

/// <summary>
/// What an operator reads of a running topology's processes (their management endpoints), and
/// the poll that waits for it to show something.
/// </summary>
public sealed class OperatorProbe(LocalApp app, HttpClient http)
{
    public Task<string> MetricsAsync(string resource) => http.GetStringAsync(Management(resource, "/metrics"));

    public async Task<(HttpStatusCode Status, JsonElement Body)> DetailAsync(string resource)
    {
        using var response = await http.GetAsync(Management(resource, "/health/detail"));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>Reads until <paramref name="condition"/> holds; fails with the last value read after <paramref name="within"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan within, TimeSpan every)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Not seen within {within.TotalSeconds:0} s; last: {value}");
            await Task.Delay(every);
        }
    }

    private Uri Management(string resource, string path) => new(app.GetEndpoint(resource, OperatorEndpoint.Name), path);
}
