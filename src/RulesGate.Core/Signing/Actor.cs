using System.Security.Cryptography;
using RulesGate.Core.Workflows;

namespace RulesGate.Core.Signing;

/// <summary>
/// Who does an act, and how they prove it. On the command line a name is not an identity: the act is signed with
/// the person's own private key (<see cref="Signing"/>), or arrives signed (<see cref="Signed"/>, a signals file's
/// vote), and the signature must verify with a public key the roles file lists for that name. In <c>serve</c> the
/// principal the server authenticated stands for it (<see cref="Authenticated"/>).
/// </summary>
public sealed class Actor
{
    private readonly ECDsa? privateKey;
    private readonly string? signature;
    private readonly bool authenticated;

    private Actor(string name, ECDsa? privateKey, string? signature, bool authenticated)
    {
        Name = Identities.Name(name, "actor");
        this.privateKey = privateKey;
        this.signature = signature;
        this.authenticated = authenticated;
    }

    /// <summary>The actor's name, normalized.</summary>
    public string Name { get; }

    /// <summary>A principal the host authenticated (its token or session).</summary>
    public static Actor Authenticated(string principal) => new(principal, null, null, authenticated: true);

    /// <summary>A person who signs the act here, with their private key.</summary>
    public static Actor Signing(string name, ECDsa privateKey) => new(name, privateKey, null, authenticated: false);

    /// <summary>A person whose signature over the act came with it (base64, as <c>rulesgate key sign</c> writes it).</summary>
    public static Actor Signed(string name, string signature) => new(name, null, signature, authenticated: false);

    /// <summary>The proof that <paramref name="act"/> is this actor's, to journal with it.</summary>
    /// <exception cref="SignatureRefusedException">The name has no public key in the roles file, or none of its keys verifies the signature.</exception>
    public Proof Prove(Act act, WorkflowRoles roles)
    {
        if (authenticated)
        {
            return new Proof(Proof.ByPrincipal);
        }

        var keys = roles.KeysOf(Name);
        if (keys.Count == 0)
        {
            throw new SignatureRefusedException(Name, $"{Name} has no public key in {roles.Source}, so nothing signed can be theirs: make a key pair with 'rulesgate key new --person {Name}' and add the line it prints under keys:.");
        }

        var bytes = act.Bytes;
        var signed = privateKey is not null ? PersonKeys.Sign(privateKey, bytes) : signature!;
        foreach (var key in keys)
        {
            if (PersonKeys.Verifies(key, bytes, signed))
            {
                return new Proof(Proof.BySignature, PersonKeys.Id(key), signed, act.Statement);
            }
        }

        throw new SignatureRefusedException(Name, privateKey is not null
            ? $"the key signed with is not {Name}'s: it matches no public key {roles.Source} lists for {Name}. Sign with your own key (--sign)."
            : $"the signature is not {Name}'s for this {act.Kind}: no public key {roles.Source} lists for {Name} verifies it (signed by someone else, or for another act or state; sign it again with 'rulesgate key sign').");
    }
}
