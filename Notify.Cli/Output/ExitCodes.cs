namespace Notify.Cli;

/// <summary>
/// notifyctl's exit codes, for scripts. Stable: scripts may test for each value.
/// </summary>
public static class ExitCodes
{
    /// <summary>Done (for <c>drill</c>: the drill passed).</summary>
    public const int Ok = 0;

    /// <summary>The operation ran and its result is a failure: a drill failed, a check did not hold.</summary>
    public const int Failed = 1;

    /// <summary>Bad command line or input: nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>Notify could not be reached (or answered UNAVAILABLE / timed out).</summary>
    public const int Unavailable = 3;

    /// <summary>Not authenticated or not allowed (UNAUTHENTICATED, PERMISSION_DENIED).</summary>
    public const int Denied = 4;

    /// <summary>
    /// Refused by a rule, nothing changed: invalid argument, not found, a limit (rate, budget,
    /// size) or a conflict (a replay key reused).
    /// </summary>
    public const int Refused = 5;

    /// <summary>Anything else: a bug or an unexpected server error.</summary>
    public const int Internal = 70;
}

/// <summary>An error to report in one line (or a JSON object with <c>--json</c>) and exit with <see cref="ExitCode"/>.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
