using Notify.AppHost;
using Notify.Hosting;

NotifyAppModelOptions options;
try
{
    options = NotifyAppModelOptions.FromArgs(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var builder = LocalApp.CreateBuilder(args);            // later: DistributedApplication.CreateBuilder(args)
var dashboard = ConsoleDashboard.Attach(builder.Options);
var topology = NotifyAppModel.Configure(builder, options);

await builder.Build().RunAsync(async app =>
{
    await EndpointsFile.WriteAsync(app, topology);
    dashboard.ShowResources(app);
    dashboard.ShowHints(app, topology);
});

EndpointsFile.Delete(topology);
return 0;
