using System.CommandLine;
using System.Text.Json;
using RulesGate.Core;
using RulesGate.Core.Application;
using RulesGate.Core.Serialization;
using RulesGate.Core.Signing;
using RulesGate.Core.Workflows;

namespace RulesGate.Cli.Commands;

/// <summary>
/// <c>rulesgate key</c>: a person's own signing key (<c>new</c>) and signing a signals file's votes with it
/// (<c>sign</c>). On the command line a vote, a kill switch reset and a migration are signed, or refused.
/// </summary>
internal static class KeyCommand
{
    public static Command Create(TextWriter output, TextWriter error) =>
        new("key", "People's signing keys: a vote, a kill switch reset or a migration on the command line is signed with the person's own key, checked against the public keys in workflows/roles.yaml.")
        {
            New(output), Sign(output, error),
        };

    private static Command New(TextWriter output)
    {
        var person = new Option<string>("--person") { Description = "Whose key it is: their name as workflows/roles.yaml writes it.", Required = true };
        var file = new Option<string?>("--out") { Description = "Where to write the private key (PEM, mode 0600), its public key beside it as NAME.pub.pem (default ~/.rulesgate/PERSON.pem)." };
        var addTo = new Option<string?>("--add-to") { Description = "Also list the public key in this roles file, under keys: (it must not list the person yet)." };
        var command = new Command("new", "Make a person's ECDSA P-256 key pair and print the line that lists its public key in workflows/roles.yaml (or add it there with --add-to). The private key is theirs alone; a key is never overwritten.") { person, file, addTo };
        command.SetAction(parse =>
        {
            var name = Identities.Name(parse.GetValue(person), "person");
            var roles = parse.GetValue(addTo);
            if (roles is not null && WorkflowRoles.Load(roles).KeysOf(name).Count > 0)
            {
                throw new FormatException($"{roles} lists a key for {name} already; to add a second, write the two as a list by hand: {name}: [OLD, NEW].");
            }

            var path = parse.GetValue(file) ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".rulesgate", $"{name}.pem");
            using var key = KeyFiles.Create(path);
            var line = $"  {name}: {PersonKeys.Line(key)}";
            output.WriteLine($"Wrote {path} (private, mode 0600: keep it to yourself) and {KeyFiles.PublicPath(path)}; key id {PersonKeys.Id(key.ExportSubjectPublicKeyInfo())}.");
            if (roles is null)
            {
                output.WriteLine("Add this line under keys: in workflows/roles.yaml (a list keeps an older key beside it):");
                output.WriteLine(line);
                return ExitCodes.Ok;
            }

            AddKey(roles, name, line);
            output.WriteLine($"Listed it for {name} under keys: in {roles}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Adds <paramref name="line"/> under the roles file's block <c>keys:</c> (starting one when there is none), then
    /// reads the file again: a file that would not load, or not list the key, is left as it was.
    /// </summary>
    private static void AddKey(string roles, string name, string line)
    {
        var before = File.ReadAllText(roles);
        var lines = before.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n').ToList();
        var block = lines.FindIndex(text => text.TrimEnd() == "keys:");
        if (block >= 0)
        {
            lines.Insert(block + 1, line);
        }
        else if (lines.Any(text => text.StartsWith("keys:", StringComparison.Ordinal)))
        {
            throw new FormatException($"{roles}: its keys: is not a block of one line per person; add the line by hand:\n{line}");
        }
        else
        {
            lines.AddRange(["keys:", line]);
        }

        var written = roles + ".tmp";
        File.WriteAllText(written, string.Join("\n", lines) + "\n");
        try
        {
            if (WorkflowRoles.Load(written).KeysOf(name).Count == 0)
            {
                throw new FormatException($"{roles}: the key could not be added; add the line by hand:\n{line}");
            }

            File.Move(written, roles, overwrite: true);
        }
        finally
        {
            File.Delete(written);
        }
    }

    /// <summary>
    /// <c>key sign SIGNALS.jsonl --key KEY.pem --journal DB</c>: adds the key owner's signature to each of their
    /// votes in the file, over the vote as the instance stands in the journal now; other lines are copied as they are.
    /// </summary>
    private static Command Sign(TextWriter output, TextWriter error)
    {
        var journal = JournalCommand.JournalOption();
        var file = CliOptions.Input("SIGNALS.jsonl", "The signals file whose votes to sign.");
        var key = new Option<string>("--key") { Description = "Your private key (PEM).", Required = true };
        var outFile = new Option<string?>("--out") { Description = "Write the signed file here instead of standard output." };
        var command = new Command("sign", "Sign your votes in a signals file (approve and reject lines whose actor is the key's owner), over each instance as the journal has it now; prints the file with 'signature' added. Run 'workflow signals' on it before the instances move on: a signature counts for the state it was made in.")
        {
            journal, file, key, outFile, WorkflowCommand.Roles, WorkflowCommand.Definitions,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            RulesCommand.RequireExists(path);
            var roles = WorkflowCommand.RolesOf(parse);
            using var signer = KeyFiles.Load(parse.GetValue(key)!, privateKey: true, "rulesgate key new --person NAME");
            var publicKey = signer.ExportSubjectPublicKeyInfo();
            var owner = roles.People.FirstOrDefault(person => roles.KeysOf(person).Any(listed => listed.AsSpan().SequenceEqual(publicKey)))
                ?? throw new FormatException($"{parse.GetValue(key)}: the key is nobody's in {roles.Source}; add its public key under keys: first ('rulesgate key new' prints the line).");

            using var store = JournalCommand.ReadOnly(parse.GetValue(journal)!);
            var runtime = WorkflowCommand.Runtime(parse, store);
            var lines = new List<string>();
            var signed = 0;
            foreach (var (number, line) in StrictJson.ReadLines(path))
            {
                if (line.Trim().Length == 0)
                {
                    lines.Add(line);
                    continue;
                }

                using var document = StrictJson.Parse(line, path, number);
                var signal = SignalDispatcher.Parse(document.RootElement, $"{path}:{number}", requireSignature: false);
                if (signal is not VoteSignal vote || Identities.Name(vote.Actor, "actor") != owner)
                {
                    lines.Add(line);
                    continue;
                }

                var act = runtime.VoteAct(vote.Instance, vote.Actor, vote.Role, vote.Approve, vote.Reason);
                var signature = PersonKeys.Sign(signer, act.Bytes);
                lines.Add(JsonText.Write(writer =>
                {
                    writer.WriteStartObject();
                    foreach (var property in document.RootElement.EnumerateObject().Where(property => property.Name != "signature"))
                    {
                        property.WriteTo(writer);
                    }

                    writer.WriteString("signature"u8, signature);
                    writer.WriteEndObject();
                }, pretty: false));
                signed++;
            }

            var text = string.Concat(lines.Select(line => line + "\n"));
            if (parse.GetValue(outFile) is { } target)
            {
                File.WriteAllText(target, text);
            }
            else
            {
                output.Write(text);
            }

            error.WriteLine($"{signed} {(signed == 1 ? "vote" : "votes")} of {owner} signed{(signed == 0 ? $": the file has no approve or reject line whose actor is {owner}" : "")}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
