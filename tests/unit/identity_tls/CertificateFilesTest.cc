#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/CertificateFiles.h"

namespace wasmesh::identity {
namespace {

using Clock = std::chrono::system_clock;
using std::chrono::hours;

class CertificateFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("wasmesh-certfiles-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    write("ca.crt", ca_.root().toPem().value());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes by rename, as Kubernetes and cert-manager replace files.
  void write(const std::string& name, const std::string& text) {
    const auto temporary = dir_ / (name + ".tmp");
    std::ofstream(temporary, std::ios::binary) << text;
    std::filesystem::rename(temporary, dir_ / name);
  }

  // Issues `who` and writes tls.crt and tls.key; returns the serial.
  std::string issue(const SpiffeId& who) {
    const auto key = PrivateKey::generate().value();
    const auto issued = ca_.issueForKey(key.publicKey(), who, hours{24}, Clock::now()).value();
    write("tls.key", key.toPem().value());
    write("tls.crt", toPemChain(issued.chain).value());
    return issued.leaf.serialHex();
  }

  CertificateFiles::Paths paths() const {
    return {(dir_ / "ca.crt").string(), (dir_ / "tls.crt").string(), (dir_ / "tls.key").string()};
  }

  std::string heldSerial() const {
    const auto snapshot = store_.current();
    const auto own = snapshot ? snapshot->byId(web_) : nullptr;
    return own ? own->identity().serialHex() : "";
  }

  double metric(const std::string& needle) const {
    const auto text = registry_.render(metrics::Format::PrometheusText004);
    const auto at = text.find("\n" + needle + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + needle.size() + 2));
  }

  SpiffeId web_ = SpiffeId::workload("cluster.local", "default", "web").value();
  CertificateAuthority ca_ = CertificateAuthority::init("cluster.local", hours{24 * 365}).value();
  metrics::Registry registry_{2};
  IdentityStore store_{web_, registry_};
  boost::asio::io_context context_;
  std::filesystem::path dir_;
};

TEST_F(CertificateFilesTest, LoadsAValidSetAndBecomesReady) {
  const auto serial = issue(web_);
  CertificateFiles files(paths(), store_, context_.get_executor());
  EXPECT_FALSE(store_.ready());
  ASSERT_TRUE(files.reload());
  EXPECT_TRUE(store_.ready());
  EXPECT_FALSE(store_.ready(Clock::now() + hours{48}));  // once expired, not ready
  EXPECT_EQ(heldSerial(), serial);
  EXPECT_EQ(metric("identity_cert_refresh_total{result=\"ok\"}"), 1);
  EXPECT_GT(metric("identity_cert_expiration_timestamp_seconds"), 1.7e9);
  const auto snapshot = store_.current();
  EXPECT_NE(snapshot->byServerName("web.default.serviceaccount.identity.cluster.local"), nullptr);
  EXPECT_EQ(snapshot->byServerName("db.default.serviceaccount.identity.cluster.local"), nullptr);
}

TEST_F(CertificateFilesTest, ABadSetKeepsTheCurrentCertificate) {
  const auto good = issue(web_);
  CertificateFiles files(paths(), store_, context_.get_executor());
  ASSERT_TRUE(files.reload());
  const auto before = store_.current();

  write("tls.crt", "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(files.reload().error(), errc::malformed_pem);
  issue(SpiffeId::workload("cluster.local", "default", "db").value());
  EXPECT_EQ(files.reload().error(), errc::identity_mismatch);
  const auto otherKey = PrivateKey::generate().value();
  issue(web_);
  write("tls.key", otherKey.toPem().value());
  EXPECT_EQ(files.reload().error(), errc::key_mismatch);
  std::filesystem::remove(dir_ / "tls.key");
  EXPECT_FALSE(files.reload());

  EXPECT_EQ(heldSerial(), good);
  EXPECT_EQ(store_.current(), before);
  EXPECT_TRUE(store_.ready());
  EXPECT_EQ(metric("identity_cert_refresh_total{result=\"error\"}"), 4);
}

TEST_F(CertificateFilesTest, ARotationSwapsTheSnapshotAndLeavesTheOldOneIntact) {
  const auto first = issue(web_);
  CertificateFiles files(paths(), store_, context_.get_executor(), std::chrono::milliseconds{10});
  files.start();
  const auto old = store_.current();
  const auto second = issue(web_);
  ASSERT_NE(first, second);
  // The watcher notices within a few periods; the bound is generous, not a timing claim.
  for (int i = 0; i < 500 && heldSerial() != second; ++i)
    context_.run_for(std::chrono::milliseconds{10});
  files.stop();
  EXPECT_EQ(heldSerial(), second);
  // What an established connection holds still works: its snapshot is untouched.
  EXPECT_EQ(old->byId(web_)->identity().serialHex(), first);
  EXPECT_NE(old->byId(web_)->serverContext(), nullptr);
}

TEST_F(CertificateFilesTest, TrustAnchorsMayBeInlinePem) {
  issue(web_);
  auto inline_ = paths();
  inline_.trustAnchors = ca_.root().toPem().value();
  CertificateFiles files(inline_, store_, context_.get_executor());
  EXPECT_TRUE(files.reload());
  inline_.trustAnchors =
      CertificateAuthority::init("cluster.local", hours{24}).value().root().toPem().value();
  CertificateFiles foreign(inline_, store_, context_.get_executor());
  EXPECT_EQ(foreign.reload().error(), errc::untrusted_certificate);
}

}  // namespace
}  // namespace wasmesh::identity
