import AssayCore
import AssayCrypto
import AssayTestSupport
import Foundation
import Testing

@testable import AssayLedger

/// The C2SP formats of spec/log.md against vectors from implementations nobody here wrote
/// (../shared/testvectors/c2sp: golang/mod, transparency-dev/formats, tessera and witness).
@Suite("C2SP signed notes, checkpoints, tiles and cosignatures (third-party vectors)", .enabled(if: Shared.isAvailable, Shared.skipReason))
struct C2SPVectorTests {
    struct NoVectors: Error, CustomStringConvertible {
        let description: String
    }

    /// The vectors of `kind` in `file`; none at all is an error (a renamed kind must not pass silently).
    static func vectors(_ file: String, kind: String) throws -> [JSONValue] {
        let found = (try Shared.json("testvectors/c2sp/\(file)")["vectors"]?.arrayValue ?? []).filter { $0["kind"]?.stringValue == kind }
        guard !found.isEmpty else { throw NoVectors(description: "\(file) has no vectors of kind \(kind)") }
        return found
    }

    static func message(_ vector: JSONValue) -> [UInt8] {
        if let text = vector["message"]?.stringValue { return Array(text.utf8) }
        return Base64.decode(vector["message_b64"]?.stringValue ?? "") ?? []
    }

    static func keys(_ file: String) throws -> [String: JSONValue] {
        guard case .object(let members) = try Shared.json("testvectors/c2sp/\(file)")["keys"] else { return [:] }
        return Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value) })
    }

    // MARK: signed notes (golang/mod sumdb/note)

    @Test("key IDs and vkeys: SHA-256(name, newline, type, key)[:4], and every damaged vkey or skey refused")
    func keyIDs() throws {
        for vector in try Self.vectors("signed-note.golang-mod.json", kind: "key_id") {
            let key = try NoteVerifierKey(vkey: vector["vkey"]!.stringValue!)
            #expect(NoteKeys.hex(key.keyID) == vector["key_id_hex"]?.stringValue)
            #expect(key.publicKey.rawRepresentation == Base64.decode(vector["public_key_b64"]!.stringValue!))
            #expect(key.vkey == vector["vkey"]?.stringValue)
        }
        // TestNewVerifier / TestNewSigner: every proper substring and every one-byte-incremented copy is refused.
        let keys = try Self.keys("signed-note.golang-mod.json")
        let vkey = Array(keys["PeterNeumann"]!["vkey"]!.stringValue!.utf8)
        let skey = Array(keys["PeterNeumann"]!["skey"]!.stringValue!.utf8)
        #expect(throws: Never.self) { _ = try NoteVerifierKey(vkey: String(decoding: vkey, as: UTF8.self)) }
        #expect(throws: Never.self) { _ = try NoteSigner(skey: String(decoding: skey, as: UTF8.self)) }
        for (text, parse) in [(vkey, { (s: String) throws -> Void in _ = try NoteVerifierKey(vkey: s) }),
                              (skey, { (s: String) throws -> Void in _ = try NoteSigner(skey: s) })] {
            var accepted: [String] = []
            for i in 0..<text.count {
                for j in (i + 1)...text.count where !(i == 0 && j == text.count) {
                    let part = String(decoding: text[i..<j], as: UTF8.self)
                    if (try? parse(part)) != nil { accepted.append(part) }
                }
                var bumped = text
                bumped[i] &+= 1
                let changed = String(decoding: bumped, as: UTF8.self)
                if (try? parse(changed)) != nil { accepted.append(changed) }
            }
            #expect(accepted.isEmpty, "damaged keys accepted: \(accepted.prefix(5))")
        }
    }

    @Test("signing is deterministic: TestSign's note byte for byte; a text without a final newline is refused")
    func sign() throws {
        for vector in try Self.vectors("signed-note.golang-mod.json", kind: "sign") {
            let signer = try NoteSigner(skey: vector["skey"]!.stringValue!)
            let note = try signer.signNote(Array(vector["text"]!.stringValue!.utf8))
            #expect(String(decoding: note.bytes, as: UTF8.self) == vector["want_signed_note"]?.stringValue)
        }
        for vector in try Self.vectors("signed-note.golang-mod.json", kind: "sign_error") {
            let text = vector["text"]!.stringValue!
            if let skey = vector["skey"]?.stringValue {
                #expect(throws: NoteError.self) { _ = try NoteSigner(skey: skey).signNote(Array(text.utf8)) }
            } else {
                // A note carrying a signature line whose key name has '+' is malformed.
                let lines = (vector["existing_signatures"]?.arrayValue ?? []).map { "\u{2014} \($0["name"]!.stringValue!) \($0["base64"]!.stringValue!)\n" }
                #expect(!lines.isEmpty)
                #expect(throws: NoteError.self) { _ = try SignedNote(parsing: Array((text + "\n" + lines.joined()).utf8)) }
            }
        }
        // ExampleSign_add_signatures: EnochRoot is the key of the all-zero seed.
        for vector in try Self.vectors("signed-note.golang-mod.json", kind: "add_signature") {
            let enoch = try NoteSigner(name: "EnochRoot", privateKey: try Ed25519PrivateKey(seed: [UInt8](repeating: 0, count: 32)))
            let note = try SignedNote(parsing: Self.message(vector))
            let added = note.adding(try enoch.sign(note.text))
            #expect(String(decoding: added.bytes, as: UTF8.self) == vector["want_signed_note"]?.stringValue)
        }
    }

    @Test("opening notes: verified, unknown keys ignored, no known key, bad signature, malformed, 101 signatures")
    func open() throws {
        let keys = try Self.keys("signed-note.golang-mod.json")
        let enoch = try NoteVerifierKey(vkey: keys["EnochRoot"]!["vkey"]!.stringValue!)
        let peter = try NoteVerifierKey(vkey: keys["PeterNeumann"]!["vkey"]!.stringValue!)
        let byName = ["PeterNeumann": peter, "EnochRoot": enoch]
        for vector in try Self.vectors("signed-note.golang-mod.json", kind: "open") {
            let description = vector["description"]?.stringValue ?? vector["test"]?.stringValue ?? ""
            let known = (vector["verifiers"]?.arrayValue ?? []).compactMap { byName[$0.stringValue ?? ""] }
            let result = Result { () throws -> [NoteVerifierKey] in try SignedNote(parsing: Self.message(vector)).open(known) }
            let opened = (try? result.get()) != nil
            #expect(opened == (vector["ok"] == .bool(true)), "\(description): \(result)")
            if let want = vector["want_verified"]?.arrayValue, let verified = try? result.get() {
                #expect(verified.map(\.name) == want.map { $0["name"]?.stringValue ?? "" }, "\(description)")
            }
            if let error = vector["want_error"]?.stringValue, case .failure(let failure) = result, let noteError = failure as? NoteError {
                let expected: NoteError.Code = error.hasPrefix("malformed") ? .malformed : error.hasPrefix("invalid signature") ? .invalidSignature
                    : error.hasPrefix("ambiguous") ? .ambiguousKey : .unverified
                #expect(noteError.code == expected, "\(description): \(noteError)")
            }
        }
    }

    @Test("the C2SP specifications' own examples: the signed-note example opens, the cosigned message, tile index encoding, tiles of a tree size")
    func specExamples() throws {
        let file = "spec-examples.c2sp.json"
        let opens = try Self.vectors(file, kind: "open")
        #expect(opens.count == 1)
        for vector in opens {
            let note = try SignedNote(parsing: Array(vector["signed_note"]!.stringValue!.utf8))
            #expect(try note.open([try NoteVerifierKey(vkey: vector["vkey"]!.stringValue!)]).count == 1)
            #expect(note.text == Array(vector["want_text"]!.stringValue!.utf8))
        }
        for vector in try Self.vectors(file, kind: "signed_checkpoint_unverifiable") {
            let checkpoint = try Checkpoint(text: try SignedNote(parsing: Array(vector["signed_note"]!.stringValue!.utf8)).text)
            #expect(checkpoint.origin == vector["origin"]?.stringValue && checkpoint.size == vector["tree_size"]?.intValue.map { UInt64($0) })
        }
        for vector in try Self.vectors(file, kind: "cosignature_v1_signed_message") {
            let message = Cosignature.message(text: Array(vector["checkpoint_text"]!.stringValue!.utf8), timestamp: UInt64(vector["timestamp"]!.intValue!))
            #expect(message == Array(vector["want_signed_message"]!.stringValue!.utf8))
        }
        for vector in try Self.vectors(file, kind: "tile_index_encoding") {
            #expect(Tiles.indexPath(UInt64(vector["index"]!.intValue!)) == vector["want"]?.stringValue)
        }
        // "a tree of size 70,000: 273 full level 0 tiles, one partial of width 112, one full level 1 tile, one partial
        // level 1 tile of width 17, one partial level 2 tile of width 1"; "size 256: one full level 0 tile, a partial
        // level 1 tile of width 1".
        #expect(Tiles.shape(size: 70_000).map { "\($0.level):\($0.full):\($0.partial)" } == ["0:273:112", "1:1:17", "2:0:1"])
        #expect(Tiles.shape(size: 256).map { "\($0.level):\($0.full):\($0.partial)" } == ["0:1:0", "1:0:1"])
    }

    // MARK: checkpoints (transparency-dev/formats)

    @Test("checkpoint texts: origin, size without leading zeros, a 32-byte base64 root, non-empty extension lines")
    func checkpoints() throws {
        for vector in try Self.vectors("checkpoint.transparency-dev-formats.json", kind: "checkpoint_unmarshal") {
            let text = Array(vector["text"]!.stringValue!.utf8)
            let parsed = try? Checkpoint(text: text)
            let root = Base64.decode(vector["want_root_hash_b64"]?.stringValue ?? "")
            let rest = vector["want_rest"]?.stringValue ?? ""
            // Assay is stricter than formats' Unmarshal where C2SP is (spec/log.md §2): a root is 32 bytes and
            // extension lines are non-empty.
            let strictlyValid = vector["valid"] == .bool(true) && root?.count == 32 && !rest.contains("\n\n") && !rest.hasPrefix("\n")
            #expect((parsed != nil) == strictlyValid, "\(vector["description"]?.stringValue ?? ""): \(String(describing: parsed))")
            if let parsed, strictlyValid {
                #expect(parsed.origin == vector["want_origin"]?.stringValue)
                #expect(parsed.size == vector["want_tree_size"]?.intValue.map { UInt64($0) })
                #expect(parsed.text == text, "a checkpoint's text round-trips")
            }
        }
        for vector in try Self.vectors("checkpoint.transparency-dev-formats.json", kind: "checkpoint_open") {
            let note = try SignedNote(parsing: Self.message(vector))
            let key = try NoteVerifierKey(vkey: vector["vkey"]!.stringValue!)
            let others = try (vector["other_vkeys"]?.arrayValue ?? []).map { try NoteVerifierKey(vkey: $0.stringValue!) }
            let opened = try? note.open([key] + others)
            let checkpoint = try Checkpoint(text: note.text)
            let ok = opened?.contains(key) == true && checkpoint.origin == vector["expected_origin"]?.stringValue
            #expect(ok == (vector["ok"] == .bool(true)), "\(vector["description"]?.stringValue ?? "")")
            if ok, let size = vector["want_tree_size"]?.intValue { #expect(checkpoint.size == UInt64(size)) }
        }
    }

    // MARK: tiles (transparency-dev/tessera)

    @Test("tile and entry-bundle paths are written and parsed as Tessera's layout tests say")
    func tilePaths() throws {
        let file = "tiles.transparency-dev-tessera.json"
        for vector in try Self.vectors(file, kind: "tile_path") {
            #expect(Tiles.tilePath(level: vector["level"]!.intValue.map(Int.init)!, index: UInt64(vector["index"]!.intValue!),
                                   width: Int(vector["p"]!.intValue!)) == vector["want_path"]?.stringValue)
        }
        for vector in try Self.vectors(file, kind: "entries_path") {
            #expect(Tiles.entriesPath(index: UInt64(vector["N"]!.intValue!), width: Int(vector["p"]!.intValue!)) == vector["want_path"]?.stringValue)
        }
        for vector in try Self.vectors(file, kind: "entries_path_for_log_index") {
            let seq = UInt64(vector["seq"]!.intValue!), size = UInt64(vector["log_size"]!.intValue!)
            let bundle = seq / 256
            let width = bundle == size / 256 ? Int(size % 256) : 256
            #expect(Tiles.entriesPath(index: bundle, width: width) == vector["want_path"]?.stringValue)
        }
        for vector in try Self.vectors(file, kind: "parse_tile_level_index_partial") {
            let path = "tile/\(vector["path_level"]!.stringValue!)/\(vector["path_index"]!.stringValue!)"
            let address = Tiles.parse(path)
            #expect((address != nil) == (vector["valid"] == .bool(true)), "\(path)")
            if let address, vector["valid"] == .bool(true) {
                #expect(address.level == Int(vector["want_level"]!.intValue!))
                #expect(address.index == UInt64(vector["want_index"]!.intValue!))
                let width = Int(vector["want_width"]!.intValue!)
                #expect(address.width == (width == 0 ? 256 : width))
                #expect(Tiles.tilePath(level: address.level!, index: address.index, width: address.width) == path, "a parsed path is written back the same")
            }
        }
    }

    @Test("Tessera's 15-entry test log: every entry bundle, tile and root recomputed, all 16 checkpoints verified, consistency between every pair of sizes")
    func tesseraTestLog() throws {
        let log = try Shared.json("testvectors/c2sp/testlog.transparency-dev-tessera.json")
        let key = try NoteVerifierKey(vkey: log["log_public_key"]!.stringValue!)
        let signer = try NoteSigner(skey: log["log_private_key"]!.stringValue!)
        #expect(signer.verifierKey == key)
        let entries = log["leaves"]!.arrayValue.map { Array($0.stringValue!.utf8) }
        #expect(entries.count == 15)
        let directory = "testvectors/c2sp/tessera-testlog"
        var roots: [[UInt8]] = []
        for size in 0...15 {
            let leafHashes = entries.prefix(size).map { Merkle.leafHash($0) }
            let root = Merkle.root(leafHashes: leafHashes)
            roots.append(root)
            let note = try SignedNote(parsing: try Shared.bytes("\(directory)/checkpoint.\(size)"))
            #expect(try note.open([key]) == [key])
            let checkpoint = try Checkpoint(text: note.text)
            #expect(checkpoint.origin == log["origin"]?.stringValue && checkpoint.size == UInt64(size))
            #expect(checkpoint.root == root, "checkpoint.\(size)'s root is the RFC 6962 root of the first \(size) entries")
            // Ed25519 is deterministic: signing the same text with the log's key gives the same note.
            #expect(try signer.signNote(note.text).bytes == note.bytes)
            guard size > 0 else { continue }
            for (path, bytes) in Tiles.tiles(leafHashes: leafHashes) {
                #expect(try Shared.bytes("\(directory)/\(path)") == bytes, "\(path) for size \(size)")
            }
            for (path, bytes) in try Tiles.bundles(entries: Array(entries.prefix(size))) {
                let published = try Shared.bytes("\(directory)/\(path)")
                #expect(published == bytes, "\(path)")
                #expect(Tiles.entries(ofBundle: published, count: size) == Array(entries.prefix(size)))
            }
        }
        #expect(try Shared.bytes("\(directory)/checkpoint") == (try Shared.bytes("\(directory)/checkpoint.15")))
        let leafHashes = entries.map { Merkle.leafHash($0) }
        for old in 1...15 {
            for new in old...15 {
                let proof = Merkle.consistencyProof(oldSize: old, leafHashes: Array(leafHashes.prefix(new)))
                #expect(throws: Never.self) {
                    try Merkle.verifyConsistency(oldSize: UInt64(old), newSize: UInt64(new), proof: proof, oldRoot: roots[old], newRoot: roots[new])
                }
            }
        }
    }

    // MARK: witnesses and cosignatures (transparency-dev/witness, formats)

    @Test("the witness vectors: signed checkpoints of sizes 5 and 8 and the consistency proof between them")
    func witnessCheckpoints() throws {
        let file = "witness.transparency-dev-witness.json"
        var roots: [UInt64: [UInt8]] = [:]
        for vector in try Self.vectors(file, kind: "signed_checkpoint") {
            let note = try SignedNote(parsing: Array(vector["signed_note"]!.stringValue!.utf8))
            let opened = try? note.open([try NoteVerifierKey(vkey: vector["vkey"]!.stringValue!)])
            #expect((opened != nil) == (vector["ok"] == .bool(true)), "\(vector["name"]?.stringValue ?? "")")
            let checkpoint = try Checkpoint(text: note.text)
            roots[checkpoint.size] = checkpoint.root
        }
        for vector in try Self.vectors(file, kind: "consistency_proof") {
            let proof = vector["proof_hex"]!.arrayValue.map { Hex.decode($0.stringValue!)! }
            let old = UInt64(vector["old_size"]!.intValue!), new = UInt64(vector["new_size"]!.intValue!)
            #expect(Hex.decode(vector["old_root_hex"]!.stringValue!) == roots[old])
            #expect(Base64.decode(vector["new_root_b64"]!.stringValue!) == roots[new])
            #expect(throws: Never.self) { try Merkle.verifyConsistency(oldSize: old, newSize: new, proof: proof, oldRoot: roots[old]!, newRoot: roots[new]!) }
            var forged = proof
            forged[0][0] ^= 1
            #expect(throws: Merkle.ProofError.self) { try Merkle.verifyConsistency(oldSize: old, newSize: new, proof: forged, oldRoot: roots[old]!, newRoot: roots[new]!) }
        }
    }

    @Test("cosignature/v1: the timestamped layout, a cosigner key ID with type 0x04, extension lines covered, a plain note key does not accept it")
    func cosignatures() throws {
        for vector in try Self.vectors("cosignature.transparency-dev-formats.json", kind: "cosignature_timestamp") {
            let bytes = Base64.decode(vector["signature_base64"]!.stringValue!)
            let timestamp = bytes.flatMap { $0.count >= 4 ? Cosignature.timestamp(of: Array($0.dropFirst(4))) : nil }
            #expect((timestamp != nil) == (vector["ok"] == .bool(true)), "\(vector["description"]?.stringValue ?? "")")
            if let want = vector["want_timestamp"]?.intValue { #expect(timestamp == UInt64(want)) }
        }
        for vector in try Self.vectors("cosignature.transparency-dev-formats.json", kind: "cosignature_vkey_parse") {
            for vkey in (vector["vkeys"].map { $0.arrayValue.compactMap(\.stringValue) } ?? [vector["vkey"]!.stringValue!]) {
                // Types 0x01 and 0x04 are what Assay verifies; ML-DSA-44 (0x06) is ignored as unknown (spec/log.md §5).
                let expected = vector["valid"] == .bool(true)
                let parsed = try? NoteVerifierKey(vkey: vkey)
                let type = vkey.split(separator: "+", maxSplits: 2).last.flatMap { Base64.decode($0) }?.first
                #expect((parsed != nil) == (expected && type != 0x06), "\(vector["description"]?.stringValue ?? ""): \(vkey.prefix(40))")
            }
        }
        // A witness key (transparency-dev/witness signs with NewSignerForCosignatureV1 from an Ed25519 skey).
        let keys = try Self.keys("witness.transparency-dev-witness.json")
        let plain = try NoteSigner(skey: keys["witness"]!["skey"]!.stringValue!)
        let witness = try NoteSigner(name: plain.name, type: NoteKeys.cosignatureV1, privateKey: plain.privateKey)
        #expect(witness.verifierKey.keyID != plain.verifierKey.keyID, "the same key has another key ID as a cosigner")
        for vector in try Self.vectors("cosignature.transparency-dev-formats.json", kind: "extension_lines_covered") {
            let text = Array(vector["checkpoint_text"]!.stringValue!.utf8)
            let note = try witness.signNote(text, timestamp: 1_727_964_367)
            #expect(try note.open([witness.verifierKey]) == [witness.verifierKey])
            #expect(note.signatures[0].signature.count == 72)
            #expect((try? note.open([plain.verifierKey])) == nil, "a plain Ed25519 key does not take a cosignature")
            var bytes = note.bytes
            bytes[bytes.count - 2] = UInt8(ascii: "@")
            #expect((try? SignedNote(parsing: bytes).open([witness.verifierKey])) == nil)
            let other = SignedNote(text: Array(text.dropLast("Extendo\n".count)), signatures: note.signatures)
            #expect((try? other.open([witness.verifierKey])) == nil, "the extension line is signed")
        }
    }
}
