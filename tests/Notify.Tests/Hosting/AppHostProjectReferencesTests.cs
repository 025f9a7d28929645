using System.Xml.Linq;
using Notify.AppHost;
using Notify.Hosting;

namespace Notify.Tests.Hosting;

/// <summary>
/// `dotnet run --project Notify.AppHost` on a fresh clone builds only what the AppHost project
/// references, then launches every process of the model from its bin folder. A process the model
/// declares but the project does not reference is never built there, and the AppHost stops at
/// start-up with "… does not exist. Build first" (the sandbox once was such a process).
/// </summary>
public sealed class AppHostProjectReferencesTests : IDisposable
{
    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), "notify-apphost-refs-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void Every_process_the_apphost_launches_is_built_with_it()
    {
        var topology = NotifyAppModel.Configure(LocalApp.CreateBuilder([]), new NotifyAppModelOptions
        {
            StateDirectory = _stateDirectory,
        });
        var launched = topology.Projects.Select(p => p.ProjectPath).ToList();
        Assert.Equal(7, launched.Count);   // ingress, five channels, the sandbox

        var appHostDirectory = Path.Combine(RepositoryRoot.Find(), "Notify.AppHost");
        var referenced = XDocument.Load(Path.Combine(appHostDirectory, "Notify.AppHost.csproj"))
            .Descendants("ProjectReference")
            .Select(r => Path.GetFullPath((string)r.Attribute("Include")!, appHostDirectory))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(launched.Where(path => !referenced.Contains(path)).Select(Path.GetFileName));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
