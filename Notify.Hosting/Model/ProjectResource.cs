namespace Notify.Hosting.Model;

/// <summary>
/// A .NET project run as one or more OS processes (Aspire: <c>AddProject</c>). Every method
/// returns the resource so a service's wiring reads as one fluent chain.
/// </summary>
public sealed class ProjectResource(string name, string projectPath) : ILocalResource
{
    private readonly List<EndpointDefinition> _endpoints = [];
    private readonly List<ILocalResource> _references = [];
    private readonly List<ILocalResource> _waitFor = [];
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    /// <summary>Absolute path of the .csproj.</summary>
    public string ProjectPath { get; } = projectPath;

    public string ProjectDirectory => Path.GetDirectoryName(ProjectPath)!;
    public string ProjectName => Path.GetFileNameWithoutExtension(ProjectPath);

    /// <summary>Endpoints; a project that declares none gets <c>http</c> (Http1).</summary>
    public IReadOnlyList<EndpointDefinition> Endpoints => _endpoints.Count > 0 ? _endpoints : [new("http", "Http1")];

    public IReadOnlyList<ILocalResource> References => _references;
    public IReadOnlyList<ILocalResource> WaitsFor => _waitFor;
    public IReadOnlyDictionary<string, string> Environment => _environment;
    public string? HealthCheckPath { get; private set; }
    public string HealthCheckEndpoint { get; private set; } = "http";
    public int Replicas { get; private set; } = 1;

    /// <summary>Injects <c>ConnectionStrings__{name}</c>, or <c>services__{name}__{endpoint}__{i}</c> for a project.</summary>
    public ProjectResource WithReference(ILocalResource resource)
    {
        if (resource is not (IResourceWithConnectionString or ProjectResource))
        {
            throw new ArgumentException($"'{resource.Name}' cannot be referenced; reference a database, Redis or a project.", nameof(resource));
        }
        _references.Add(resource);
        return this;
    }

    /// <summary>Starts only after <paramref name="resource"/> is healthy (a database: when its server is).</summary>
    public ProjectResource WaitFor(ILocalResource resource)
    {
        _waitFor.Add(resource);
        return this;
    }

    public ProjectResource WithHttpHealthCheck(string path, string endpointName = "http")
    {
        HealthCheckPath = path;
        HealthCheckEndpoint = endpointName;
        return this;
    }

    public ProjectResource WithEnvironment(string key, string value)
    {
        _environment[key] = value;
        return this;
    }

    public ProjectResource WithHttpEndpoint(string name = "http") => WithEndpoint(name, "Http1");

    /// <summary>
    /// An HTTP/1 endpoint whose URL is passed in <paramref name="urlEnvironmentVariable"/> instead of
    /// <c>Kestrel__Endpoints__{name}__Url</c>: for listeners the project adds itself, such as
    /// Notify's management endpoint (<c>Notify__Management__Urls</c>).
    /// </summary>
    public ProjectResource WithHttpEndpoint(string name, string urlEnvironmentVariable) =>
        Add(new EndpointDefinition(name, "Http1") { UrlEnvironmentVariable = urlEnvironmentVariable });

    public ProjectResource WithHttp2Endpoint(string name = "grpc") => WithEndpoint(name, "Http2");

    public ProjectResource WithEndpoint(string name, string protocols) => Add(new EndpointDefinition(name, protocols));

    /// <summary>
    /// A plain TCP port the project listens on itself (an SMTP server, say), not through
    /// Kestrel. Its port is passed in <paramref name="env"/>; projects referencing this one get
    /// <c>services__{resource}__{name}__0={scheme}://127.0.0.1:port</c> like any endpoint.
    /// <paramref name="scheme"/> is the protocol spoken there and defaults to the endpoint's
    /// name, so a client resolves it by scheme through service discovery (<c>smtp://sandbox</c>).
    /// </summary>
    public ProjectResource WithTcpEndpoint(string name, string env, string? scheme = null) =>
        Add(new EndpointDefinition(name, "Tcp", scheme ?? name, env));

    private ProjectResource Add(EndpointDefinition endpoint)
    {
        if (_endpoints.Any(e => e.Name == endpoint.Name))
        {
            throw new ArgumentException($"'{Name}' already has an endpoint named '{endpoint.Name}'.", nameof(endpoint));
        }
        _endpoints.Add(endpoint);
        return this;
    }

    /// <summary>Runs <paramref name="count"/> processes, each with its own ports.</summary>
    public ProjectResource WithReplicas(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Replicas = count;
        return this;
    }
}
