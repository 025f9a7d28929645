using Notify.Bench.Cli;
using Notify.Bench.Reporting;
using Notify.Bench.Scenarios;
using Notify.Bench.SelfTest;
using Notify.Bench.Targeting;

BenchOptions options;
try
{
    options = ArgumentParser.Parse(args);
}
catch (UsageException e)
{
    if (e.Problem is not null)
    {
        Console.Error.WriteLine($"error: {e.Problem}");
    }

    Console.Error.WriteLine(ArgumentParser.Usage);
    return e.Problem is null ? 0 : 2;
}

var machine = MachineInfo.Read();
Console.WriteLine(machine.ToLine());

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

try
{
    await using var fake = options.SelfTest ? await FakeNotifyServer.StartAsync(options.SelfTestDelay) : null;
    var target = fake?.Target
        ?? TargetResolver.Resolve(options, Environment.CurrentDirectory, Environment.GetEnvironmentVariable(TargetResolver.ApiKeyVariable));

    if (options.Scenario == ScenarioKind.Soak)
    {
        var root = EndpointsFile.FindRepositoryRoot(Environment.CurrentDirectory) ?? EndpointsFile.FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new TargetNotFoundException("the soak reads .notify/endpoints.json: run it from the repository");
        return await Notify.Bench.Soak.SoakRun.RunAsync(options, target, Path.Combine(root, EndpointsFile.RelativePath), machine, Console.Out, stopping.Token);
    }

    var report = await BenchRun.RunAsync(options, target, machine, Console.Out, stopping.Token);
    ConsoleReport.Print(report, Console.Out);
    if (options.JsonPath is { } path)
    {
        await JsonReport.WriteAsync(report, path);
        Console.WriteLine($"wrote {path}");
    }

    return report.FailedCalls == 0 && report.Calls > 0 ? 0 : 1;
}
catch (Exception e) when (e is TargetNotFoundException or PreflightFailedException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
