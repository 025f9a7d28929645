// Ctrl-C cancels the command (a watch ends with exit 0, a call in flight exits 1 "Cancelled.");
// a second Ctrl-C ends the process at once.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};
return await Notify.Cli.NotifyCtl.RunAsync(args, cancellation.Token);
