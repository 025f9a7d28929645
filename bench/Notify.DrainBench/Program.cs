using Notify.DrainBench;

// The Notify side of bench/drain/run.sh. Three commands:
//   enqueue CONNECTION COUNT     write COUNT e-mail deliveries through the real OutboxWriter
//   feed CONNECTION RATE SECONDS write e-mail deliveries at RATE/s (open loop), for the latency run
//   work [host configuration]    drain them with the real delivery engine until stopped
//   receipts CONNECTION COUNT BATCH CALLERS
//                                record a delivered receipt for COUNT deliveries (the receipt store's throughput)
return args.FirstOrDefault() switch
{
    "enqueue" when args.Length == 3 && int.TryParse(args[2], out var count) && count > 0
        => await Enqueuer.EnqueueAsync(args[1], count),
    "feed" when args.Length == 4 && double.TryParse(args[2], out var rate) && rate > 0 && double.TryParse(args[3], out var seconds) && seconds > 0
        => await Enqueuer.FeedAsync(args[1], rate, TimeSpan.FromSeconds(seconds)),
    "work" => await DrainHost.RunAsync(args[1..]),
    "receipts" when args.Length == 5 && int.TryParse(args[2], out var receipts) && receipts > 0
                     && int.TryParse(args[3], out var batch) && batch > 0 && int.TryParse(args[4], out var callers) && callers > 0
        => await ReceiptLoad.RunAsync(args[1], receipts, batch, callers),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Notify.DrainBench enqueue CONNECTION_STRING COUNT
               Notify.DrainBench feed CONNECTION_STRING RATE_PER_SECOND SECONDS
               Notify.DrainBench receipts CONNECTION_STRING COUNT BATCH CALLERS
               Notify.DrainBench work --ConnectionStrings:notifydb=... --ConnectionStrings:redis=...
                                      --Drain:Provider=noop|sendgrid [--Drain:SendGridUrl=http://127.0.0.1:PORT]
                                      [--Drain:SendGridApiKey=KEY] [--Notify:Delivery:MaxConcurrency=32 ...]
        """);
    return 2;
}
