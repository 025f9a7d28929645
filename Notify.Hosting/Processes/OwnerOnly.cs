namespace Notify.Hosting.Processes;

/// <summary>Restricts files (0600) and directories (0700) to their owner: passwords, API keys, PGDATA.</summary>
public static class OwnerOnly
{
    public static void File(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public static void Directory(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
