// Signs QĐ 130/4750 envelopes with the JDK's own XMLDSig (javax.xml.crypto.dsig), for the hub's interop tests.
//
// Usage: java JdkSigner JOBS, where JOBS holds one job per line, tab-separated:
//   key.p8.der  cert.der  in.xml  out.xml  prefix  c14n-uri  signature-uri  digest-uri  reference-c14n  key-info
// prefix "-" leaves the JDK's default layout (<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">);
// reference-c14n "yes" adds the canonicalisation as a second Reference transform after enveloped-signature;
// key-info is x509 (the certificate), keyname (the subject's name only) or none (no KeyInfo).
// The signature goes into the root's CHUKYDONVI child, created at the end if absent. One JVM signs every job.

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfo;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

public final class JdkSigner {
    private static final String CONTAINER = "CHUKYDONVI";

    public static void main(String[] args) throws Exception {
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (!line.isBlank()) {
                sign(line.split("\t", -1));
            }
        }
    }

    private static void sign(String[] job) throws Exception {
        X509Certificate certificate;
        try (var in = Files.newInputStream(Path.of(job[1]))) {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        String keyAlgorithm = certificate.getPublicKey().getAlgorithm(); // "RSA" or "EC"
        PrivateKey key = KeyFactory.getInstance(keyAlgorithm)
                .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(Path.of(job[0]))));

        DocumentBuilderFactory builders = DocumentBuilderFactory.newInstance();
        builders.setNamespaceAware(true);
        builders.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = builders.newDocumentBuilder().parse(new File(job[2]));
        Element container = container(document);

        XMLSignatureFactory factory = XMLSignatureFactory.getInstance("DOM");
        String c14n = job[5];
        List<Transform> transforms = new ArrayList<>();
        transforms.add(factory.newTransform(Transform.ENVELOPED, (TransformParameterSpec) null));
        if (job[8].equals("yes")) {
            transforms.add(factory.newTransform(c14n, (TransformParameterSpec) null));
        }
        Reference reference = factory.newReference("", factory.newDigestMethod(job[7], null), transforms, null, null);
        SignedInfo signedInfo = factory.newSignedInfo(
                factory.newCanonicalizationMethod(c14n, (C14NMethodParameterSpec) null),
                factory.newSignatureMethod(job[6], null),
                List.of(reference));

        KeyInfoFactory keyInfos = factory.getKeyInfoFactory();
        KeyInfo keyInfo = switch (job[9]) {
            case "x509" -> keyInfos.newKeyInfo(List.of(keyInfos.newX509Data(List.of(certificate))));
            case "keyname" -> keyInfos.newKeyInfo(List.of(keyInfos.newKeyName(certificate.getSubjectX500Principal().getName())));
            case "none" -> null;
            default -> throw new IllegalArgumentException("key-info: " + job[9]);
        };

        DOMSignContext context = new DOMSignContext(key, container);
        if (!job[4].equals("-")) {
            context.setDefaultNamespacePrefix(job[4]);
        }
        factory.newXMLSignature(signedInfo, keyInfo).sign(context);

        TransformerFactory transformers = TransformerFactory.newInstance();
        transformers.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        Transformer writer = transformers.newTransformer();
        writer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
        writer.transform(new DOMSource(document), new StreamResult(new File(job[3])));
    }

    private static Element container(Document document) {
        Element root = document.getDocumentElement();
        for (Node child = root.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element && CONTAINER.equals(element.getLocalName())) {
                return element;
            }
        }
        Element created = document.createElementNS(null, CONTAINER);
        root.appendChild(created);
        return created;
    }
}
