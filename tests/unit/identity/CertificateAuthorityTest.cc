#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "TestPki.h"
#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/IdentityFiles.h"
#include "wasmesh/identity/X509Svid.h"

namespace wasmesh::identity {
namespace {

using namespace std::chrono_literals;
using test::Clock;
namespace fs = std::filesystem;

bool isCritical(const Certificate& certificate, int nid) {
  const int index = X509_get_ext_by_NID(certificate.native(), nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(certificate.native(), index)) == 1;
}

bool hasExtension(const Certificate& certificate, int nid) {
  return X509_get_ext_by_NID(certificate.native(), nid, -1) >= 0;
}

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  Clock::time_point now_ = Clock::from_time_t(Clock::to_time_t(Clock::now()));
  CertificateAuthority ca_ = CertificateAuthority::init("td", 8760h, now_ - 24h).value();
  PrivateKey key_ = PrivateKey::generate().value();
  SpiffeId id_ = SpiffeId::workload("td", "default", "web").value();
};

TEST_F(CertificateAuthorityTest, RootAndIssuer) {
  const auto& root = ca_.root();
  const auto& issuer = ca_.issuer();
  EXPECT_EQ(ca_.trustDomain(), "td");
  EXPECT_TRUE(checkSigningCertificate(root));
  EXPECT_TRUE(checkSigningCertificate(issuer));
  EXPECT_EQ(X509_self_signed(root.native(), 1), 1);
  EXPECT_EQ(X509_check_issued(root.native(), issuer.native()), X509_V_OK);
  EXPECT_EQ(issuer.issuer(), root.subject());
  EXPECT_NE(issuer.subject(), root.subject());
  EXPECT_EQ(root.uriSans(), std::vector<std::string>{"spiffe://td"});
  EXPECT_EQ(issuer.uriSans(), std::vector<std::string>{"spiffe://td"});
  EXPECT_EQ(root.notBefore(), now_ - 24h - 60s);
  EXPECT_EQ(root.notAfter(), now_ - 24h + 8760h);
  EXPECT_EQ(issuer.notAfter(), root.notAfter());
  EXPECT_EQ(X509_get_pathlen(issuer.native()), 0);
  EXPECT_TRUE(ca_.issuerKey().matches(issuer));
  EXPECT_TRUE(isCritical(root, NID_basic_constraints));
  EXPECT_TRUE(isCritical(root, NID_key_usage));
  // Two CAs made in the same second still have different names.
  EXPECT_NE(CertificateAuthority::init("td", 1h)->root().subject(),
            CertificateAuthority::init("td", 1h)->root().subject());
}

TEST_F(CertificateAuthorityTest, InitRefusesBadInput) {
  for (const char* bad : {"", "TD", "td/x", "td:80", "spiffe://td"})
    EXPECT_EQ(CertificateAuthority::init(bad, 1h).error(), errc::invalid_spiffe_id) << bad;
  EXPECT_EQ(CertificateAuthority::init("td", 0s).error(), errc::invalid_duration);
  EXPECT_EQ(CertificateAuthority::init("td", CertificateAuthority::kMaxLifetime + 1s).error(),
            errc::invalid_duration);
}

TEST_F(CertificateAuthorityTest, LeafProfile) {
  const auto request = CertificateSigningRequest::create(key_, id_).value();
  const auto issued = ca_.issue(request, id_, 24h, now_);
  ASSERT_TRUE(issued) << issued.error().message();
  const auto& leaf = issued->leaf;
  EXPECT_EQ(checkLeafSvid(leaf).value(), id_);
  EXPECT_EQ(leaf.uriSans(), std::vector<std::string>{id_.toString()});
  EXPECT_EQ(leaf.dnsSans(), std::vector<std::string>{id_.serverName().value()});
  EXPECT_EQ(leaf.subject(), "CN=" + id_.serverName().value());
  EXPECT_EQ(leaf.issuer(), ca_.issuer().subject());
  EXPECT_TRUE(key_.matches(leaf));
  EXPECT_TRUE(leaf.publicKey().isEcP256());
  EXPECT_EQ(leaf.notBefore(), now_ - 60s);
  EXPECT_EQ(leaf.notAfter(), now_ + 24h);
  EXPECT_EQ(issued->notAfter, leaf.notAfter());
  ASSERT_EQ(issued->chain.size(), 2U);
  EXPECT_EQ(issued->chain[0].serialHex(), leaf.serialHex());
  EXPECT_EQ(issued->chain[1].serialHex(), ca_.issuer().serialHex());

  EXPECT_TRUE(isCritical(leaf, NID_basic_constraints));
  EXPECT_FALSE(leaf.isCa());
  EXPECT_TRUE(isCritical(leaf, NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(leaf.native()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_FALSE(isCritical(leaf, NID_ext_key_usage));
  EXPECT_EQ(X509_get_extended_key_usage(leaf.native()),
            static_cast<std::uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_FALSE(isCritical(leaf, NID_subject_alt_name));
  EXPECT_TRUE(hasExtension(leaf, NID_subject_key_identifier));
  EXPECT_TRUE(hasExtension(leaf, NID_authority_key_identifier));
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf.native()),
                                  X509_get0_subject_key_id(ca_.issuer().native())),
            0);
  EXPECT_EQ(X509_get_signature_nid(leaf.native()), NID_ecdsa_with_SHA256);
  // 128 random bits, positive.
  EXPECT_LE(leaf.serialHex().size(), 32U);
  EXPECT_GE(leaf.serialHex().size(), 24U);
}

TEST_F(CertificateAuthorityTest, SerialsDiffer) {
  std::set<std::string> serials;
  for (int i = 0; i < 20; ++i)
    serials.insert(ca_.issueForKey(key_.publicKey(), id_, 1h, now_)->leaf.serialHex());
  EXPECT_EQ(serials.size(), 20U);
}

TEST_F(CertificateAuthorityTest, LifetimeIsClampedToTheIssuer) {
  const auto issued = ca_.issueForKey(key_.publicKey(), id_, 2 * 8760h, now_);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->notAfter, ca_.issuer().notAfter());
  // Right after init the skew margin would start the leaf before the issuer.
  const auto fresh = CertificateAuthority::init("td", 1h, now_).value();
  const auto early = fresh.issueForKey(key_.publicKey(), id_, 1h, now_ - 30s);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->leaf.notBefore(), fresh.issuer().notBefore());
  EXPECT_EQ(fresh.issueForKey(key_.publicKey(), id_, 1h, now_ - 2min).error(),
            errc::certificate_not_yet_valid);
  EXPECT_EQ(fresh.issueForKey(key_.publicKey(), id_, 1h, now_ + 1h).error(),
            errc::certificate_expired);
  EXPECT_EQ(ca_.issueForKey(key_.publicKey(), id_, 0s, now_).error(), errc::invalid_duration);
}

TEST_F(CertificateAuthorityTest, RefusesRequestsForOtherNames) {
  const auto other = SpiffeId::workload("td", "default", "db").value();
  const auto forOther = CertificateSigningRequest::create(key_, other).value();
  EXPECT_EQ(ca_.issue(forOther, id_, 1h, now_).error(), errc::invalid_csr);
  const auto uri = "URI:" + id_.toString();
  const auto dns = ",DNS:" + id_.serverName().value();
  const auto ec = test::ecKey();
  for (const auto& names : {
           uri + dns + ",DNS:evil.example",                  // an extra DNS SAN
           uri + ",URI:spiffe://td/ns/default/sa/db" + dns,  // two URI SANs
           dns.substr(1),                                    // no URI SAN
           std::string(),                                    // no SANs at all
           "URI:" + id_.toString() + "/wasm/x",              // a longer path
       }) {
    const auto request = CertificateSigningRequest::fromPem(test::requestPem(ec.get(), names));
    ASSERT_TRUE(request) << names;
    EXPECT_EQ(ca_.issue(*request, id_, 1h, now_).error(), errc::invalid_csr) << names;
  }
  // Without a DNS SAN the request is fine: the CA adds the server name.
  const auto uriOnly = CertificateSigningRequest::fromPem(test::requestPem(ec.get(), uri));
  const auto issued = ca_.issue(uriOnly.value(), id_, 1h, now_);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->leaf.dnsSans(), std::vector<std::string>{id_.serverName().value()});
}

TEST_F(CertificateAuthorityTest, RefusesOtherKeysAndOtherTrustDomains) {
  const auto rsa = test::rsaKey();
  const auto request =
      CertificateSigningRequest::fromPem(test::requestPem(rsa.get(), "URI:" + id_.toString()));
  ASSERT_TRUE(request);
  EXPECT_EQ(ca_.issue(*request, id_, 1h, now_).error(), errc::invalid_csr);
  EXPECT_EQ(ca_.issueForKey(PublicKey::fromNative(rsa.get()).value(), id_, 1h, now_).error(),
            errc::invalid_csr);
  const auto foreign = SpiffeId::workload("other.td", "default", "web").value();
  EXPECT_EQ(ca_.issueForKey(key_.publicKey(), foreign, 1h, now_).error(), errc::invalid_csr);
  const auto noName = SpiffeId::parse("spiffe://td/web").value();
  EXPECT_EQ(ca_.issueForKey(key_.publicKey(), noName, 1h, now_).error(), errc::no_server_name);
}

TEST_F(CertificateAuthorityTest, LongServerNamesLeaveTheSubjectEmpty) {
  const auto id =
      SpiffeId::component("td", "namespace-with-a-long-name", "service-account", "component")
          .value();
  ASSERT_GT(id.serverName()->size(), 64U);
  const auto issued = ca_.issueForKey(key_.publicKey(), id, 1h, now_);
  ASSERT_TRUE(issued) << issued.error().message();
  EXPECT_EQ(issued->leaf.subject(), "");
  EXPECT_TRUE(isCritical(issued->leaf, NID_subject_alt_name));
  EXPECT_TRUE(ca_.trustBundle()->verify(issued->chain, now_));
}

TEST_F(CertificateAuthorityTest, FromPemChecksThePieces) {
  const auto root = ca_.root().toPem().value();
  const auto issuer = ca_.issuer().toPem().value();
  const auto key = ca_.issuerKey().toPem().value();
  ASSERT_TRUE(CertificateAuthority::fromPem(root, issuer, key));
  const auto other = CertificateAuthority::init("td", 1h).value();
  EXPECT_EQ(CertificateAuthority::fromPem(root, issuer, other.issuerKey().toPem().value()).error(),
            errc::key_mismatch);
  EXPECT_EQ(CertificateAuthority::fromPem(root, other.issuer().toPem().value(),
                                          other.issuerKey().toPem().value())
                .error(),
            errc::untrusted_certificate);
  EXPECT_EQ(CertificateAuthority::fromPem(issuer, issuer, key).error(), errc::invalid_svid);
  EXPECT_EQ(CertificateAuthority::fromPem(root, root, key).error(), errc::key_mismatch);
  EXPECT_EQ(CertificateAuthority::fromPem(root, issuer, "").error(), errc::malformed_pem);
}

class CertificateAuthorityFilesTest : public CertificateAuthorityTest {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "wasmesh-ca-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(CertificateAuthorityFilesTest, SavesAndLoads) {
  const auto out = dir_ / "new" / "ca";
  ca_.save(out, false);
  EXPECT_EQ(fs::status(out / "issuer.key").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(out / "ca.crt").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
  const auto loaded = CertificateAuthority::load(out);
  EXPECT_EQ(loaded.trustDomain(), "td");
  EXPECT_EQ(loaded.root().serialHex(), ca_.root().serialHex());
  EXPECT_EQ(loaded.issuer().serialHex(), ca_.issuer().serialHex());
  const auto issued = loaded.issueForKey(key_.publicKey(), id_, 1h, now_).value();
  EXPECT_TRUE(ca_.trustBundle()->verify(issued.chain, now_));
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 3);
}

TEST_F(CertificateAuthorityFilesTest, RefusesToOverwriteUnlessAsked) {
  ca_.save(dir_, false);
  const auto other = CertificateAuthority::init("td", 1h).value();
  EXPECT_THROW(other.save(dir_, false), FileError);
  EXPECT_EQ(CertificateAuthority::load(dir_).root().serialHex(), ca_.root().serialHex());
  fs::remove(dir_ / "ca.crt");
  EXPECT_THROW(other.save(dir_, false), FileError);  // issuer.crt still there
  EXPECT_FALSE(fs::exists(dir_ / "ca.crt"));
  other.save(dir_, true);
  EXPECT_EQ(CertificateAuthority::load(dir_).root().serialHex(), other.root().serialHex());
}

TEST_F(CertificateAuthorityFilesTest, LoadNamesTheBadFile) {
  const auto expectError = [&](const std::string& file) {
    try {
      static_cast<void>(CertificateAuthority::load(dir_));
      ADD_FAILURE() << "loaded";
    } catch (const FileError& error) {
      EXPECT_NE(std::string(error.what()).find((dir_ / file).string()), std::string::npos)
          << error.what();
    }
  };
  expectError("ca.crt");  // missing
  ca_.save(dir_, false);
  const auto other = CertificateAuthority::init("td", 1h).value();
  writeFileAtomically(dir_ / "issuer.key", other.issuerKey().toPem().value(),
                      fs::perms::owner_read | fs::perms::owner_write, true);
  expectError("issuer.key");
  writeFileAtomically(dir_ / "issuer.crt", other.issuer().toPem().value(),
                      fs::perms::owner_read | fs::perms::owner_write, true);
  expectError("issuer.crt");
  writeFileAtomically(dir_ / "ca.crt", "garbage", fs::perms::owner_read, true);
  expectError("ca.crt");
  writeFileAtomically(dir_ / "ca.crt", std::string(Certificate::kMaxPemBytes + 1, 'x'),
                      fs::perms::owner_read, true);
  expectError("ca.crt");
}

}  // namespace
}  // namespace wasmesh::identity
