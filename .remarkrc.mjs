// Prüft den Kopfbereich von Fällen und Methodenkarten schon beim Tippen (VS Code-Erweiterung
// unifiedjs.vscode-remark oder `npx remark cases methods`). Einrichtung: siehe CONTRIBUTING.md, „Editor-Unterstützung“.
import remarkFrontmatter from 'remark-frontmatter';
import remarkLintFrontmatterSchema from 'remark-lint-frontmatter-schema';

export default {
  plugins: [
    remarkFrontmatter,
    [remarkLintFrontmatterSchema, {
      schemas: {
        './generator/schemas/case.schema.json': ['cases/*.md'],
        './generator/schemas/method.schema.json': ['methods/*.md'],
      },
    }],
  ],
};
