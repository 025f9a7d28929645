using Notify.Hosting.Model;

namespace Notify.Hosting.Orchestration;

/// <summary>
/// The environment a project replica is started with: the same variable names Aspire injects
/// in run mode, so the services read configuration exactly as they would under Aspire.
/// </summary>
internal static class ProjectEnvironment
{
    public static Dictionary<string, string?> Build(
        ProjectResource project, int replica, IReadOnlyDictionary<string, Uri> endpoints,
        Func<ILocalResource, string> connectionString,
        Func<ProjectResource, IReadOnlyList<IReadOnlyDictionary<string, Uri>>> endpointsOf,
        string? otlpEndpoint,
        string? otlpProtocol = null)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // The AppHost's own binding settings must not leak into the child and fight Kestrel__Endpoints.
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_HTTPS_PORTS"] = null,
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
            ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
            ["OTEL_SERVICE_NAME"] = project.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={project.Name}-{replica}-{Guid.NewGuid().ToString("N")[..8]}",
        };

        if (!string.IsNullOrWhiteSpace(otlpEndpoint))
        {
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
            env["OTEL_EXPORTER_OTLP_PROTOCOL"] = string.IsNullOrWhiteSpace(otlpProtocol) ? null : otlpProtocol;
            // Aspire's development tuning: export within a second so a developer sees it live.
            env["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
            env["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            env["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
            env["OTEL_TRACES_SAMPLER"] = "always_on";
        }
        else
        {
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = null;
            env["OTEL_EXPORTER_OTLP_PROTOCOL"] = null;
        }

        foreach (var endpoint in project.Endpoints)
        {
            if (!endpoint.IsHttp)
            {
                // Not Kestrel's: the project opens this socket itself on the port it is given.
                if (endpoint.PortEnvironmentVariable is { } portVariable)
                {
                    env[portVariable] = endpoints[endpoint.Name].Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                continue;
            }
            if (endpoint.UrlEnvironmentVariable is { } urlVariable)
            {
                env[urlVariable] = endpoints[endpoint.Name].ToString().TrimEnd('/');
                continue;
            }
            env[$"Kestrel__Endpoints__{endpoint.Name}__Url"] = endpoints[endpoint.Name].ToString().TrimEnd('/');
            env[$"Kestrel__Endpoints__{endpoint.Name}__Protocols"] = endpoint.Protocols;
        }

        foreach (var reference in project.References)
        {
            if (reference is ProjectResource target)
            {
                var replicas = endpointsOf(target);
                for (var i = 0; i < replicas.Count; i++)
                {
                    foreach (var (name, url) in replicas[i])
                    {
                        env[$"services__{target.Name}__{name}__{i}"] = url.ToString().TrimEnd('/');
                    }
                }
                foreach (var (name, url) in replicas[0])
                {
                    env[$"{target.Name.ToUpperInvariant()}_{name.ToUpperInvariant()}"] = url.ToString().TrimEnd('/');
                }
            }
            else
            {
                env[$"ConnectionStrings__{reference.Name}"] = connectionString(reference);
            }
        }

        foreach (var (key, value) in project.Environment)
        {
            env[key] = value;
        }
        return env;
    }
}
