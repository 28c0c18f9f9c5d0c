import AssayCore
import AssayCrypto
import AssayLedger
import Foundation

/// Scores published next to the bundles (spec/scoring.md §10): written by the
/// collector for each day it seals, recomputed byte for byte by verifiers.
public enum PublishedScores {
    /// Computes the 1-day scores of `day` over every bundle present for it and its
    /// benchmark days, and writes `scores/<collector>/<day>/` (scores.json and the
    /// signature) atomically; returns the bytes written. An existing directory is kept.
    @discardableResult
    public static func write(_ directory: DatasetDirectory, collector: String, day: UTCDay, key: Ed25519PrivateKey,
                             signer: String) throws(ScoreError) -> [UInt8]? {
        let relative = DatasetDirectory.scoresRelativePath(collector: collector, day: day)
        let target = "\(directory.root)/\(relative)"
        guard !Files.exists(target) else { return nil }
        let scorer = Scorer(profile: ScoringProfile.naapSLAv1(), lastDay: day, days: 1)
        try BundleSet.feed(scorer, from: directory)
        let bytes = scorer.output(verified: true)
        let signature: SSHSignature
        do { signature = try SSHSignature.sign(bytes, namespace: DatasetDirectory.scoresNamespace, with: key) } catch {
            throw ScoreError("signing \(relative)/scores.json: \(error)")
        }
        do {
            try directory.installDirectory(at: target, files: [("scores.json", bytes, nil),
                                                               ("signatures/\(signer).sig", Array(signature.armored.utf8), nil)])
        } catch {
            throw ScoreError("writing \(relative): \(error)")
        }
        return bytes
    }

    /// Checks every published scores directory (spec/scoring.md §10).
    public static func verify(_ directory: DatasetDirectory, signers: AllowedSigners) -> [Finding] {
        var findings: [Finding] = []
        let profile = ScoringProfile.naapSLAv1()
        let days: [(collector: String, day: UTCDay)]
        do { days = try directory.scoreDays() } catch {
            return []  // the layout check has reported the directory that cannot be listed (`unreadable`)
        }
        for (collector, day) in days {
            let relative = DatasetDirectory.scoresRelativePath(collector: collector, day: day)
            let path = "\(relative)/scores.json"
            let bytes: [UInt8]
            let document: JSONValue
            do {
                bytes = try Files.readRegular("\(directory.root)/\(path)", limit: DatasetDirectory.scoresLimit)
                document = try JSONParser(limits: .init(maxDepth: 16, maxBytes: 64 << 20)).parse(bytes)
            } catch {
                findings.append(Finding(.scoresDocument, path, "cannot be read as JSON: \(error)"))
                continue
            }
            // A parsed value without a canonical form is not canonical: that is the answer. Every number of
            // an Assay document is an integer that fits in 64 bits (spec/canonical-json.md §2).
            guard bytes.last == 0x0A, !document.containsNonInteger, (try? CanonicalJSON.encode(document)).map({ $0 + [0x0A] }) == bytes else {
                findings.append(Finding(.scoresDocument, path, "is not canonical JSON followed by one newline"))
                continue
            }
            guard document["profile"]?["sha256"]?.stringValue == profile.sha256 else {
                findings.append(Finding(.scoresDocument, path, "names a profile other than \(profile.id) (\(profile.sha256))"))
                continue
            }
            guard document["scores"]?["window"]?["last_day"]?.stringValue == day.description,
                  document["scores"]?["window"]?["days"] == .integer(1) else {
                findings.append(Finding(.scoresDocument, path, "is not the 1-day window of \(day)"))
                continue
            }
            guard case .array(let inputs)? = document["inputs"]?["bundles"] else {
                findings.append(Finding(.scoresDocument, path, "has no inputs.bundles"))
                continue
            }
            let scorer = Scorer(profile: profile, lastDay: day, days: 1)
            var named: [(String, UTCDay)] = []
            var inputError = false
            for input in inputs {
                guard let inputCollector = input["collector"]?.stringValue, Slug.isValid(inputCollector),
                      let inputDay = input["day"]?.stringValue.flatMap(UTCDay.init), let hash = input["manifest_sha256"]?.stringValue else {
                    findings.append(Finding(.scoresInput, path, "names an input that is not a bundle (collector, day, manifest_sha256)"))
                    inputError = true
                    break
                }
                let manifest: [UInt8]
                do { manifest = try directory.manifestBytes(collector: inputCollector, day: inputDay) } catch {
                    findings.append(Finding(.scoresInput, path, "names the bundle \(inputCollector) \(inputDay), which cannot be read: \(error)"))
                    inputError = true
                    break
                }
                guard Hasher.sha256(manifest).hex == hash else {
                    findings.append(Finding(.scoresInput, path, "names the bundle \(inputCollector) \(inputDay) with another manifest hash (\(hash.prefix(12))…)"))
                    inputError = true
                    break
                }
                named.append((inputCollector, inputDay))
            }
            guard !inputError else { continue }
            do { try BundleSet.feed(scorer, from: directory, bundles: named) } catch {
                findings.append(Finding(.scoresInput, path, "\(error)"))
                continue
            }
            if scorer.output(verified: true) != bytes {
                findings.append(Finding(.scoresMismatch, path, "differs from the scores recomputed from the bundles it names"))
            }
            findings += checkSignatures(directory, relative: relative, bytes: bytes, day: day, signers: signers)
        }
        return findings
    }

    /// Every signature file must verify (`signature`), and one by an allowed signer must (`scores-signature`).
    static func checkSignatures(_ directory: DatasetDirectory, relative: String, bytes: [UInt8], day: UTCDay,
                                signers: AllowedSigners) -> [Finding] {
        var log = FindingLog()
        let valid = SignatureFiles.verify(bytes, namespace: DatasetDirectory.scoresNamespace, root: directory.root, relative: relative, log: &log)
        let allowed = valid.contains { signers.allows(principal: $0.signer, key: $0.signature.publicKey.key, namespace: DatasetDirectory.scoresNamespace,
                                                      at: day.startMs / 1000) }
        if !allowed {
            let others = valid.map { "\($0.signer): allowed_signers does not let '\($0.signer)' sign \(DatasetDirectory.scoresNamespace) with \($0.signature.publicKey.fingerprint)" }
            log.add(.scoresSignature, "\(relative)/signatures",
                    "no valid signature by an allowed signer for \(DatasetDirectory.scoresNamespace)\(others.isEmpty ? "" : ": " + others.joined(separator: "; "))")
        }
        return log.all
    }
}
