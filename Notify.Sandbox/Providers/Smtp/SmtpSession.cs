using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.Smtp;

/// <summary>
/// One client connection to the sandbox's SMTP server: enough of RFC 5321 for a submission
/// client such as MailKit (EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, NOOP,
/// QUIT, pipelined commands), with the sandbox's faults for provider <c>smtp</c> applied at
/// MAIL FROM (the start of a transaction) and invalid recipients refused at RCPT TO.
/// Every accepted recipient is recorded under the message's <c>X-Notify-Delivery-Id</c>
/// header, with its <c>Message-Id</c> as the provider message id.
/// </summary>
internal sealed partial class SmtpSession(
    SmtpConnection connection,
    SmtpOptions options,
    SmtpCredentials credentials,
    ProviderGate gate,
    TimeProvider time,
    ILogger logger)
{
    private const string Provider = ProviderNames.Smtp;
    private const int MaxRecipients = 100;

    private bool _greeted;
    private bool _authenticated;
    private Transaction? _transaction;

    /// <summary>Runs the dialogue until the client quits or goes away, the server closes it, or the sandbox stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        await ReplyAsync($"220 {options.Hostname} ESMTP Notify provider sandbox", stopping);
        while (await ReadLineAsync(stopping) is { } line)
        {
            if (line.TooLong)
            {
                await ReplyAsync("500 5.5.6 Line too long", stopping);
                continue;
            }
            var text = line.Text;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var verb = (space < 0 ? text : text[..space]).ToUpperInvariant();
            var argument = space < 0 ? "" : text[(space + 1)..].Trim();
            var keepOpen = verb switch
            {
                "EHLO" => await EhloAsync(argument, stopping),
                "HELO" => await HeloAsync(argument, stopping),
                "AUTH" => await AuthAsync(argument, stopping),
                "MAIL" => await MailAsync(argument, stopping),
                "RCPT" => await RcptAsync(argument, stopping),
                "DATA" => await DataAsync(stopping),
                "RSET" => await ResetAsync(stopping),
                "NOOP" => await ReplyAsync("250 2.0.0 OK", stopping),
                "VRFY" => await ReplyAsync("252 2.5.0 Cannot VRFY user, but will accept the message", stopping),
                "QUIT" => !await ReplyAsync("221 2.0.0 Bye", stopping),
                "STARTTLS" => await ReplyAsync("502 5.5.1 STARTTLS is not offered by the sandbox", stopping),
                _ => await ReplyAsync("500 5.5.2 Command not recognized", stopping),
            };
            if (!keepOpen)
            {
                return;
            }
        }
    }

    private async Task<bool> EhloAsync(string domain, CancellationToken cancellationToken)
    {
        if (domain.Length == 0)
        {
            return await ReplyAsync("501 5.5.4 EHLO needs a domain", cancellationToken);
        }
        _greeted = true;
        _transaction = null;
        var lines = new List<string>
        {
            $"{options.Hostname} greets {domain}",
            "SIZE " + options.MaxMessageBytes.ToString(CultureInfo.InvariantCulture),
            "8BITMIME",
            "PIPELINING",
            "ENHANCEDSTATUSCODES",
        };
        if (credentials.Required)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }
        for (var i = 0; i < lines.Count; i++)
        {
            await connection.WriteAsync((i == lines.Count - 1 ? "250 " : "250-") + lines[i], cancellationToken);
        }
        return true;
    }

    private Task<bool> HeloAsync(string domain, CancellationToken cancellationToken)
    {
        if (domain.Length == 0)
        {
            return ReplyAsync("501 5.5.4 HELO needs a domain", cancellationToken);
        }
        _greeted = true;
        _transaction = null;
        return ReplyAsync($"250 {options.Hostname}", cancellationToken);
    }

    private async Task<bool> AuthAsync(string argument, CancellationToken cancellationToken)
    {
        if (!credentials.Required)
        {
            return await ReplyAsync("502 5.5.1 AUTH is not offered", cancellationToken);
        }
        if (!_greeted)
        {
            return await ReplyAsync("503 5.5.1 Send EHLO first", cancellationToken);
        }
        if (_authenticated)
        {
            return await ReplyAsync("503 5.5.1 Already authenticated", cancellationToken);
        }
        if (_transaction is not null)
        {
            return await ReplyAsync("503 5.5.1 AUTH is not allowed during a mail transaction", cancellationToken);
        }
        if (await SmtpSasl.ReadAsync(argument, ChallengeAsync, cancellationToken) is not { } exchange)
        {
            return false;
        }
        if (exchange.ErrorReply is { } error)
        {
            return await ReplyAsync(error, cancellationToken);
        }
        if (!credentials.Verify(exchange.Credentials!))
        {
            gate.Reject(Provider, 535, "authentication failed");
            return await ReplyAsync("535 5.7.8 Authentication credentials invalid", cancellationToken);
        }
        _authenticated = true;
        return await ReplyAsync("235 2.7.0 Authentication successful", cancellationToken);
    }

    /// <summary>Sends a 334 challenge and reads the client's answer; null when the client went away.</summary>
    private async Task<string?> ChallengeAsync(string challenge, CancellationToken cancellationToken)
    {
        await connection.WriteAsync("334 " + challenge, cancellationToken);
        return await ReadLineAsync(cancellationToken) is { TooLong: false } line ? line.Text.Trim() : null;
    }

    private async Task<bool> MailAsync(string argument, CancellationToken cancellationToken)
    {
        if (!_greeted)
        {
            return await ReplyAsync("503 5.5.1 Send EHLO first", cancellationToken);
        }
        if (credentials.Required && !_authenticated)
        {
            return await ReplyAsync("530 5.7.0 Authentication required", cancellationToken);
        }
        if (_transaction is not null)
        {
            return await ReplyAsync("503 5.5.1 Nested MAIL command", cancellationToken);
        }
        var match = MailFrom().Match(argument);
        if (!match.Success)
        {
            return await ReplyAsync("501 5.5.4 Syntax: MAIL FROM:<address>", cancellationToken);
        }
        if (SizeParameter().Match(match.Groups["parameters"].Value) is { Success: true } size
            && long.TryParse(size.Groups[1].Value, CultureInfo.InvariantCulture, out var declared) && declared > options.MaxMessageBytes)
        {
            return await ReplyAsync("552 5.3.4 Message size exceeds fixed maximum message size", cancellationToken);
        }

        switch (gate.Decide(Provider))
        {
            case FaultDecision.Outage:
                gate.Reject(Provider, 421, "injected outage");
                await ReplyAsync($"421 4.3.2 {options.Hostname} Service not available, closing transmission channel", cancellationToken);
                return false;
            case FaultDecision.Throttle throttle:
                gate.Reject(Provider, 451, "injected throttle");
                return await ReplyAsync($"451 4.7.1 Sending rate exceeded, try again in {throttle.RetryAfterSeconds} seconds", cancellationToken);
            case FaultDecision.ServerError:
                gate.Reject(Provider, 451, "injected server error");
                return await ReplyAsync("451 4.3.0 Local error in processing", cancellationToken);
            case FaultDecision.Hang hang:
                _transaction = new Transaction(match.Groups["address"].Value, hang.Duration);
                return await ReplyAsync("250 2.1.0 Sender OK", cancellationToken);
            default:
                _transaction = new Transaction(match.Groups["address"].Value, null);
                return await ReplyAsync("250 2.1.0 Sender OK", cancellationToken);
        }
    }

    private async Task<bool> RcptAsync(string argument, CancellationToken cancellationToken)
    {
        if (_transaction is null)
        {
            return await ReplyAsync("503 5.5.1 Need MAIL command", cancellationToken);
        }
        var match = RcptTo().Match(argument);
        if (!match.Success || match.Groups["address"].Value.Length == 0)
        {
            return await ReplyAsync("501 5.5.4 Syntax: RCPT TO:<address>", cancellationToken);
        }
        var address = match.Groups["address"].Value;
        if (_transaction.Recipients.Count >= MaxRecipients)
        {
            return await ReplyAsync("452 4.5.3 Too many recipients", cancellationToken);
        }
        if (gate.IsInvalidRecipient(Provider, address))
        {
            gate.Reject(Provider, 550, "invalid recipient");
            return await ReplyAsync($"550 5.1.1 <{address}>: Recipient address rejected: User unknown", cancellationToken);
        }
        _transaction.Recipients.Add(address);
        return await ReplyAsync("250 2.1.5 Recipient OK", cancellationToken);
    }

    private async Task<bool> DataAsync(CancellationToken cancellationToken)
    {
        if (_transaction is null)
        {
            return await ReplyAsync("503 5.5.1 Need MAIL command", cancellationToken);
        }
        if (_transaction.Recipients.Count == 0)
        {
            return await ReplyAsync("554 5.5.1 No valid recipients", cancellationToken);
        }
        await connection.WriteAsync("354 End data with <CR><LF>.<CR><LF>", cancellationToken);
        SmtpData? data;
        using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // The whole message within the idle timeout: a client that stalls mid-DATA is cut off too.
            idle.CancelAfter(TimeSpan.FromSeconds(options.IdleTimeoutSeconds));
            try
            {
                data = await connection.ReadDataAsync(options.MaxMessageBytes, idle.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await ReplyAsync($"421 4.4.2 {options.Hostname} Timeout waiting for data, closing connection", cancellationToken);
                return false;
            }
        }
        if (data is null)
        {
            return false;
        }
        var transaction = _transaction;
        _transaction = null;
        if (data.TooLarge)
        {
            gate.Reject(Provider, 552, "message too large");
            return await ReplyAsync("552 5.3.4 Message size exceeds fixed maximum message size", cancellationToken);
        }

        var headers = MessageHeaders.Parse(data.Message);
        var queueId = Convert.ToHexString(RandomNumberGenerator.GetBytes(6));
        // The Message-Id is what bounces and receipts refer to; a server adds one when the client did not.
        var messageId = headers.MessageId ?? $"{queueId}@{options.Hostname}";
        var deliveryId = headers[ProviderResults.DeliveryIdHeader];
        foreach (var recipient in transaction.Recipients)
        {
            gate.Accept(Provider, recipient, deliveryId, messageId, traceparent: headers["traceparent"]);
        }
        if (transaction.Hang is { } hang)
        {
            // Accepted and recorded, then the answer is withheld: a client that gives up sees a
            // timeout for a message that was sent, the case that turns a retry into a duplicate.
            SandboxLog.Hanging(logger, Provider, hang);
            await Task.Delay(hang, time, cancellationToken);
        }
        return await ReplyAsync($"250 2.0.0 Ok: queued as {queueId}", cancellationToken);
    }

    private Task<bool> ResetAsync(CancellationToken cancellationToken)
    {
        _transaction = null;
        return ReplyAsync("250 2.0.0 OK", cancellationToken);
    }

    /// <summary>Reads a line, closing with 421 when the client stays silent past the idle timeout.</summary>
    private async Task<SmtpLine?> ReadLineAsync(CancellationToken stopping)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        idle.CancelAfter(TimeSpan.FromSeconds(options.IdleTimeoutSeconds));
        try
        {
            return await connection.ReadLineAsync(idle.Token);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            await ReplyAsync($"421 4.4.2 {options.Hostname} Idle for too long, closing connection", stopping);
            return null;
        }
    }

    /// <summary>Writes one reply line; true, so a command handler can return it as "keep the connection".</summary>
    private async Task<bool> ReplyAsync(string reply, CancellationToken cancellationToken)
    {
        await connection.WriteAsync(reply, cancellationToken);
        return true;
    }

    /// <summary>One mail transaction, from MAIL FROM to the end of DATA (or RSET).</summary>
    private sealed record Transaction(string From, TimeSpan? Hang)
    {
        public List<string> Recipients { get; } = [];
    }

    [GeneratedRegex(@"^FROM:\s*<(?<address>[^<>]*)>(?<parameters>.*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MailFrom();

    [GeneratedRegex(@"^TO:\s*<(?<address>[^<>]*)>(?<parameters>.*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RcptTo();

    [GeneratedRegex(@"(?:^|\s)SIZE=(\d+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizeParameter();
}
