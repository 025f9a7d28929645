namespace Notify.AppHost;

/// <summary>The directory holding Notify.sln, found from the binary's location or the working directory.</summary>
public static class RepositoryRoot
{
    public static string Find() =>
        FindFrom(AppContext.BaseDirectory) ?? FindFrom(Directory.GetCurrentDirectory())
        ?? throw new DirectoryNotFoundException(
            $"Notify.sln was not found above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}; pass NotifyAppModelOptions.RepositoryRoot.");

    private static string? FindFrom(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Notify.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
