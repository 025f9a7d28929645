return await Notify.Cli.NotifyCtl.RunAsync(args);
