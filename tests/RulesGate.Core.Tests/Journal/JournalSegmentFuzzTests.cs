using CsCheck;
using RulesGate.Core.Journal;

namespace RulesGate.Core.Tests.Journal;

/// <summary>
/// The segment reader given a real segment's CBOR with random bytes replaced, inserted or cut, compressed again so the
/// mutation reaches the CBOR reader past zstd's checksum: it reads the events, or refuses with a JournalSegmentException;
/// nothing else ever escapes it. CI tries a fixed 2,000; with <c>RULESGATE_FUZZ_SCALE</c> (<c>scripts/fuzz</c>) CsCheck draws that many times more.
/// </summary>
public sealed class JournalSegmentFuzzTests
{
    private static int? Scale =>
        int.TryParse(Environment.GetEnvironmentVariable("RULESGATE_FUZZ_SCALE"), out var scale) && scale > 0 ? scale : null;

    [Fact]
    public void Read_AnyMutationOfTheCbor_ReadsOrRefusesWithASegmentError()
    {
        var (events, _) = JournalSegment.Chain(
            [new JournalEntry("run:r1", "gate.decision", """{"intent_id":"i-1","qty":10}"""), new JournalEntry("run:r1", "gate.decision", """{"intent_id":"i-2","text":"Grüße"}""")],
            (0, JournalEvent.Genesis), "2026-11-30T12:00:00.0000000Z");
        var row = JournalSegment.Of(events);
        using var decompressor = new ZstdSharp.Decompressor();
        var cbor = decompressor.Unwrap(row.Body).ToArray();

        void Check(int seed, int count)
        {
            var random = new Random(seed);
            var bytes = cbor.ToList();
            for (var i = 0; i < count && bytes.Count > 0; i++)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0:
                        bytes[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes.Insert(at, (byte)random.Next(256));
                        break;
                    default:
                        bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8)));
                        break;
                }
            }

            using var compressor = new ZstdSharp.Compressor(1);
            var mutated = row with { Body = compressor.Wrap([.. bytes]).ToArray() };
            try
            {
                JournalSegment.Read(mutated);
            }
            catch (JournalSegmentException)
            {
                // refused, with the reason: what a damaged segment must do
            }
        }

        if (Scale is { } scale)
        {
            Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 6]).Sample(pair => Check(pair.Item1, pair.Item2), iter: 2000 * scale, threads: 1);
            return;
        }

        for (var seed = 0; seed < 2000; seed++)
        {
            Check(seed, 1 + (seed % 6));   // CI: the same inputs every run
        }
    }
}
