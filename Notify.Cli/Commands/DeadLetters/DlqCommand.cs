using System.CommandLine;

namespace Notify.Cli.Commands.DeadLetters;

/// <summary><c>notifyctl dlq list|show|replay</c>.</summary>
public static class DlqCommand
{
    public static Command Create() => new("dlq", "Dead letters: deliveries that gave up (retries exhausted or refused for good).")
    {
        DlqListCommand.Create(),
        DlqShowCommand.Create(),
        DlqReplayCommand.Create(),
    };
}
