// The one browser bundle the contribution forms load: JSON Schema validation (ajv, draft-07, with the
// "date" format from ajv-formats) and YAML output (js-yaml). Rebuild with ./build.sh.
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { dump } from "js-yaml";

window.cimisVendor = { Ajv, addFormats, dumpYaml: dump };
