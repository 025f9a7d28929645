using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Notify.Outbox.Receipts;
using Notify.Receipts;

namespace Microsoft.Extensions.Hosting;

public static class ReceiptServiceExtensions
{
    /// <summary>
    /// Registers the receipt pipeline for <paramref name="channel"/> (options <c>Notify:Receipts</c>,
    /// validated at start), the sweeper for early receipts, and <typeparamref name="TProvider"/>;
    /// map its endpoint with <see cref="ReceiptEndpointExtensions.MapReceiptEndpoint{TProvider}"/>.
    /// </summary>
    public static IHostApplicationBuilder AddReceipts<TProvider>(this IHostApplicationBuilder builder, string channel)
        where TProvider : class, IReceiptProvider
    {
        builder.Services.AddOptions<ReceiptOptions>()
            .BindConfiguration(ReceiptOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ReceiptStore>();
        builder.Services.TryAddSingleton<ReceiptProcessor>();
        builder.Services.TryAddSingleton<ReceiptEndpoint>();
        if (!builder.Services.Any(s => s.ServiceType == typeof(ReceiptChannel)))
        {
            builder.Services.AddSingleton(new ReceiptChannel(channel));
            builder.Services.AddHostedService<ReceiptSweeper>();
        }
        builder.Services.TryAddSingleton<TProvider>();
        return builder;
    }
}
