using System.Diagnostics;
using OverlayNet.Netlink.Netfilter;
using OverlayNet.Netlink.Protocol;
using OverlayNet.Netlink.Route;
using OverlayNet.Netlink.Tests.Support;
using Xunit.Abstractions;

namespace OverlayNet.Netlink.Tests.Fuzz;

/// <summary>
/// Malformed input through MessageEnumerator, AttributeEnumerator and every parser (links, addresses, routes,
/// neighbours, FDB, rules, bridge ports, nf_tables rules, errors; see <see cref="ParserHarness"/>): the only
/// acceptable outcomes are an object (or null) and NetlinkProtocolException. The corpus is every capture
/// (kernel replies, table dumps, iproute2 requests). A failing case prints its seed, index and bytes, so it can
/// be pinned as a regression test.
/// </summary>
/// <remarks>
/// The mutated-datagram test runs 4,000 cases per seed (20,000 in all) in CI. Set OVERLAYNET_FUZZ_CASES to run
/// more, spread over the seeds: <c>OVERLAYNET_FUZZ_CASES=1000000 dotnet test tests/unit --filter
/// FullyQualifiedName~ParserFuzz</c> is the long run (see tests/unit/README.md for its last result).
/// </remarks>
public class ParserFuzzTests(ITestOutputHelper output)
{
    private static readonly int CasesPerSeed =
        int.TryParse(Environment.GetEnvironmentVariable("OVERLAYNET_FUZZ_CASES"), out int total) && total > 0
            ? (total + 4) / 5
            : 4000;
    // Generous: it exists to catch a loop, and a loaded CI machine must not fail a slow but finite run.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(Math.Max(60, CasesPerSeed / 500));

    private static readonly Lazy<IReadOnlyList<byte[]>> Corpus = new(() =>
        Captures.Files("*.hex").SelectMany(Captures.Lines).ToList());

    // The single-message captures: the same messages as the dumps, without repeating each one per datagram.
    private static readonly Lazy<IReadOnlyList<byte[]>> SingleMessages = new(() =>
        Captures.Files("*.hex").Where(f => !f.Contains("-dump")).SelectMany(Captures.Lines).ToList());

    public static TheoryData<int> Seeds => [1, 7, 42, 1337, 20240601];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Mutated_and_random_datagrams_never_crash_the_parsers(int seed)
    {
        var mutator = new Mutator(new Random(seed), Corpus.Value);
        var inputs = new byte[CasesPerSeed][];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = mutator.Next();
        RunAll(inputs, $"seed {seed}");
    }

    [Fact]
    public void Every_length_field_of_every_capture_set_to_every_interesting_value()
    {
        var inputs = new List<byte[]>();
        foreach (byte[] original in SingleMessages.Value)
        {
            foreach (LengthField f in LengthField.Find(original))
            {
                foreach (uint v in Mutator.InterestingLengths)
                {
                    byte[] d = original.ToArray();
                    f.Set(d, v);
                    inputs.Add(d);
                }
                // A length that runs exactly one byte past the end of the buffer.
                byte[] past = original.ToArray();
                f.Set(past, (uint)(original.Length - f.Offset + 1));
                inputs.Add(past);
            }
        }
        Assert.True(inputs.Count > 1000, $"only {inputs.Count} length fields found: the walker is broken");
        RunAll([.. inputs], "length fields");
    }

    [Fact]
    public void Every_truncation_of_every_capture()
    {
        var inputs = new List<byte[]>();
        foreach (byte[] original in SingleMessages.Value)
            for (int cut = 0; cut < original.Length; cut += original.Length > 512 ? 7 : 1)
                inputs.Add(original[..cut]);
        RunAll([.. inputs], "truncations");
    }

    [Fact]
    public void Unmodified_corpus_parses_without_protocol_errors()
    {
        // The baseline: real replies must not even be rejected, or the fuzz cases would prove little.
        foreach (byte[] d in Corpus.Value)
        {
            foreach (NetlinkMessage m in new MessageEnumerator(d))
            {
                LinkParser.Parse(m);
                RtnlClient.ParseAddress(m);
                RtnlClient.ParseRoute(m);
                RtnlClient.ParseNeighbor(m);
                RtnlClient.ParseFdbEntry(m);
                RtnlClient.ParseRule(m);
                RtnlClient.ParseBridgePort(m);
                NftClient.ParseRule(m);
                if (m.Type == Nl.NLMSG_ERROR) NetlinkSocket.ParseError(m);
            }
        }
    }

    [Fact]
    public void Table_captures_give_each_parser_something_to_read()
    {
        // Without objects in the corpus the fuzz cases would only ever reach each parser's first check.
        static int Count<T>(string file, MessageParser<T> parse) =>
            Messages.ParseAll(Captures.Lines(file), parse).Count;
        Assert.True(Count("tables-route4.hex", RtnlClient.ParseRoute) >= 4);
        Assert.True(Count("tables-route6.hex", RtnlClient.ParseRoute) >= 3);
        Assert.Equal(2, Messages.ParseAll(Captures.Lines("tables-route6.hex"), RtnlClient.ParseRoute)
            .Single(r => r.DestinationPrefix == "fd02::/64").NextHops.Length);
        Assert.True(Count("tables-neigh.hex", RtnlClient.ParseNeighbor) >= 2);
        Assert.True(Count("tables-fdb.hex", RtnlClient.ParseFdbEntry) >= 4);
        Assert.True(Count("tables-rule4.hex", RtnlClient.ParseRule) >= 5);
        Assert.True(Count("tables-rule6.hex", RtnlClient.ParseRule) >= 3);
        Assert.True(Count("tables-brport.hex", RtnlClient.ParseBridgePort) >= 2);
        var nft = Messages.ParseAll(Captures.Lines("tables-nft.hex"), NftClient.ParseRule);
        Assert.Equal(4, nft.Count);
        Assert.Equal(3, nft.Count(r => r.Spec != null)); // the fourth (tcp dport) is no shape OverlayNet writes
    }

    /// <summary>
    /// Runs every input on a worker thread with a watchdog, so a parser that loops forever fails the test
    /// (naming the input) instead of hanging the run.
    /// </summary>
    private void RunAll(byte[][] inputs, string label)
    {
        int current = -1;
        Exception? failure = null;
        var worker = new Thread(() =>
        {
            try
            {
                for (int i = 0; i < inputs.Length; i++)
                {
                    Volatile.Write(ref current, i);
                    ParserHarness.Run(inputs[i]);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, maxStackSize: 16 << 20) { IsBackground = true, Name = "fuzz " + label };
        var clock = Stopwatch.StartNew();
        worker.Start();
        if (!worker.Join(Budget))
        {
            int i = Volatile.Read(ref current);
            Assert.Fail($"{label}: case {i} did not finish within {Budget.TotalSeconds} s (a parser loop?): {Hex.Format(inputs[i])}");
        }
        output.WriteLine($"{label}: {inputs.Length} cases in {clock.ElapsedMilliseconds} ms");
        if (failure != null)
        {
            int i = Volatile.Read(ref current);
            Assert.Fail($"{label}: case {i} threw {failure.GetType().Name}: {failure.Message}\ninput: {Hex.Format(inputs[i])}\n{failure.StackTrace}");
        }
    }
}
