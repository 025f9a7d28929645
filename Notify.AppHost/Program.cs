using Notify.AppHost;
using Notify.Hosting;

var builder = LocalApp.CreateBuilder(args);            // later: DistributedApplication.CreateBuilder(args)
var dashboard = ConsoleDashboard.Attach(builder.Options);
var topology = NotifyAppModel.Configure(builder, NotifyAppModelOptions.FromArgs(args));

await builder.Build().RunAsync(async app =>
{
    await EndpointsFile.WriteAsync(app, topology);
    dashboard.ShowResources(app);
    dashboard.ShowHints(app, topology);
});

EndpointsFile.Delete(topology);
