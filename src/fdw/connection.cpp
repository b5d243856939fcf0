// The connection cache: one DynamoDB client (with its keep-alive HTTP connections) per foreign
// server and user in this backend, and the cache of DescribeTable answers per foreign table.
// Both are invalidated when the catalog rows they were built from change.
#include "client/sample.hpp"
#include "fdw/dynamodb_fdw.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

struct ClientEntry {
    std::shared_ptr<dynamo::DynamoClient> client;
    std::string server_name;
    bool valid = false;
};

struct TableEntry {
    dynamo::TableDescription desc;
    uint32 relhash = 0;  // syscache hash of the pg_foreign_table row
    Oid serverid = InvalidOid;
    std::string table;
    bool valid = false;
};

using ClientKey = std::pair<Oid, Oid>;  // (server, user)

// Heap-allocated once and never destroyed, so nothing runs at backend exit in an odd order.
std::map<ClientKey, ClientEntry> *g_clients;
std::map<Oid, TableEntry> *g_tables;
bool g_callbacks_registered = false;

// The last client error, read by ReportClientError after the C++ call has returned.
dynamo::Error *g_error;

void InvalidateClients(Datum, int, uint32) {
    if (g_clients != nullptr)
        for (auto &e : *g_clients)
            e.second.valid = false;
    // A changed server can point at another endpoint: table descriptions go too.
    if (g_tables != nullptr)
        for (auto &e : *g_tables)
            e.second.valid = false;
}

}  // namespace

void DynamoForgetClients() {
    if (g_clients != nullptr)
        for (auto &e : *g_clients)
            e.second.valid = false;
}

namespace {

// Only the changed foreign table is described again (hashvalue 0 means every table).
void InvalidateTables(Datum, int, uint32 hashvalue) {
    if (g_tables != nullptr)
        for (auto &e : *g_tables)
            if (hashvalue == 0 || e.second.relhash == hashvalue)
                e.second.valid = false;
}

void EnsureInitialized() {
    if (g_clients == nullptr) {
        RunCpp([] {
            g_clients = new std::map<ClientKey, ClientEntry>();
            g_tables = new std::map<Oid, TableEntry>();
            g_error = new dynamo::Error();
        });
    }
    if (!g_callbacks_registered) {
        CacheRegisterSyscacheCallback(FOREIGNSERVEROID, InvalidateClients, (Datum)0);
        CacheRegisterSyscacheCallback(USERMAPPINGOID, InvalidateClients, (Datum)0);
        CacheRegisterSyscacheCallback(FOREIGNTABLEREL, InvalidateTables, (Datum)0);
        g_callbacks_registered = true;
    }
}

// Returns the cached entry's client when it is still valid.
dynamo::DynamoClient *LookupClient(Oid serverid, Oid userid) {
    dynamo::DynamoClient *found = nullptr;
    RunCpp([&] {
        auto it = g_clients->find(ClientKey(serverid, userid));
        if (it != g_clients->end() && it->second.valid)
            found = it->second.client.get();
    });
    return found;
}

}  // namespace

dynamo::DynamoClient *DynamoGetClient(Oid serverid, Oid userid) {
    EnsureInitialized();
    dynamo::DynamoClient *client = LookupClient(serverid, userid);
    if (client != nullptr)
        return client;

    DynamoOptions *opts = DynamoGetOptions(serverid, userid, InvalidOid);
    DynamoGetCredentials(serverid, userid, opts);
    ForeignServer *server = GetForeignServer(serverid);
    char errbuf[256] = "";
    RunCpp([&] {
        dynamo::ClientConfig config;
        config.region = opts->region;
        if (opts->endpoint_url)
            config.endpoint_url = opts->endpoint_url;
        if (opts->access_key_id)
            config.credentials.access_key_id = opts->access_key_id;
        if (opts->secret_access_key)
            config.credentials.secret_access_key = opts->secret_access_key;
        if (opts->session_token)
            config.credentials.session_token = opts->session_token;
        if (opts->ca_file)
            config.http.ca_file = opts->ca_file;
        config.http.connect_timeout_ms = opts->connect_timeout_ms;
        config.http.request_timeout_ms = opts->request_timeout_ms;
        config.retry.max_attempts = opts->max_attempts;
        config.retry.max_total_ms = opts->max_retry_time_ms;
        config.retry.base_delay_ms = opts->retry_base_delay_ms;
        config.retry.max_delay_ms = opts->retry_max_delay_ms;
        try {
            ClientEntry &entry = (*g_clients)[ClientKey(serverid, userid)];
            entry.client = std::make_shared<dynamo::DynamoClient>(config);
            entry.client->UsePacerRegistry(DynamoSharedPacers());
            entry.server_name = server->servername;
            entry.valid = true;
            client = entry.client.get();
        } catch (const std::invalid_argument &e) {
            std::strncpy(errbuf, e.what(), sizeof(errbuf) - 1);
        }
    });
    if (client == nullptr)
        ereport(ERROR,
                (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                 errmsg("invalid option \"endpoint_url\" of server \"%s\"", server->servername),
                 errdetail("%s", errbuf)));
    return client;
}

void DynamoShareClient(Oid serverid, Oid userid, std::shared_ptr<dynamo::DynamoClient> *into) {
    DynamoGetClient(serverid, userid);
    RunCpp([&] { *into = g_clients->at(ClientKey(serverid, userid)).client; });
}

const dynamo::TableDescription *DynamoDescribeTable(Oid relid, Oid serverid, Oid userid,
                                                    const char *table) {
    EnsureInitialized();
    const dynamo::TableDescription *found = nullptr;
    RunCpp([&] {
        auto it = g_tables->find(relid);
        if (it != g_tables->end() && it->second.valid && it->second.serverid == serverid &&
            it->second.table == table)
            found = &it->second.desc;
    });
    if (found != nullptr) {
        DynamoApplyCapacity(relid, serverid, userid, table, found);
        return found;
    }

    dynamo::DynamoClient *client = DynamoGetClient(serverid, userid);
    uint32 relhash = GetSysCacheHashValue1(FOREIGNTABLEREL, ObjectIdGetDatum(relid));
    bool ok = false;
    RunCpp([&] {
        TableEntry &entry = (*g_tables)[relid];
        entry.relhash = relhash;
        entry.valid = false;
        *g_error = client->DescribeTable(table, entry.desc, DynamoAbortRequested);
        ok = g_error->ok();
        if (ok) {
            entry.serverid = serverid;
            entry.table = table;
            entry.valid = true;
            found = &entry.desc;
        }
    });
    if (!ok)
        ReportClientError(g_error, get_rel_name(relid), table);
    DynamoApplyCapacity(relid, serverid, userid, table, found);
    return found;
}

void CollectStats(StatsRow **rows, int *nrows) {
    *rows = nullptr;
    *nrows = 0;
    if (g_clients == nullptr)
        return;
    size_t n = 0;
    for (auto &e : *g_clients)
        if (e.second.client)
            n += e.second.client->stats().requests.size();
    StatsRow *out = static_cast<StatsRow *>(calloc(n + 1, sizeof(StatsRow)));
    if (out == nullptr)
        throw std::bad_alloc();
    int i = 0;
    for (auto &e : *g_clients) {
        if (!e.second.client)
            continue;
        const dynamo::ClientStats &st = e.second.client->stats();
        for (auto &op : st.requests) {
            StatsRow &r = out[i++];
            std::strncpy(r.server, e.second.server_name.c_str(), NAMEDATALEN - 1);
            r.connections = e.second.client->connections_opened();
            std::strncpy(r.operation, op.first.c_str(), sizeof(r.operation) - 1);
            r.requests = op.second;
            r.retries = st.retries;
            r.throttled = st.throttled;
            r.read_units = st.read_units;
            r.write_units = st.write_units;
        }
    }
    *rows = out;
    *nrows = i;
}

List *DynamoListTables(Oid serverid, Oid userid) {
    dynamo::DynamoClient *client = DynamoGetClient(serverid, userid);
    static std::vector<std::string> *names;
    bool ok = false;
    RunCpp([&] {
        if (names == nullptr)
            names = new std::vector<std::string>();
        *g_error = client->ListTables(*names, DynamoAbortRequested);
        ok = g_error->ok();
        // In DynamoDB's order (by the names' UTF-8 bytes), whatever order an endpoint answers in.
        std::sort(names->begin(), names->end());
    });
    if (!ok)
        ReportClientError(g_error, NULL, NULL);
    List *result = NIL;
    for (const std::string &n : *names)
        result = lappend(result, makeString(pstrdup(n.c_str())));
    return result;
}

void DynamoDescribeKeys(Oid serverid, Oid userid, const char *table, DynamoKeySchema *out) {
    dynamo::DynamoClient *client = DynamoGetClient(serverid, userid);
    static dynamo::TableDescription *desc;
    bool ok = false;
    RunCpp([&] {
        if (desc == nullptr)
            desc = new dynamo::TableDescription();
        *g_error = client->DescribeTable(table, *desc, DynamoAbortRequested);
        ok = g_error->ok();
    });
    if (!ok)
        ReportClientError(g_error, NULL, table);
    out->hash = pstrdup(desc->hash.name.c_str());
    out->hash_type = desc->hash.type;
    out->range = desc->has_range ? pstrdup(desc->range.name.c_str()) : NULL;
    out->range_type = desc->range.type;
    out->nindex_keys = 0;
    out->index_keys = (char **)palloc(sizeof(char *) * (2 * desc->indexes.size() + 1));
    out->index_key_types =
        (dynamo::AttrType *)palloc(sizeof(dynamo::AttrType) * (2 * desc->indexes.size() + 1));
    for (const dynamo::IndexDescription &ix : desc->indexes) {
        for (int part = 0; part < 2; part++) {
            if (part == 1 && !ix.has_range)
                continue;
            const dynamo::KeyAttribute &k = part == 0 ? ix.hash : ix.range;
            bool seen =
                k.name == desc->hash.name || (desc->has_range && k.name == desc->range.name);
            for (int i = 0; i < out->nindex_keys && !seen; i++)
                seen = k.name == out->index_keys[i];
            if (seen)
                continue;
            out->index_keys[out->nindex_keys] = pstrdup(k.name.c_str());
            out->index_key_types[out->nindex_keys++] = k.type;
        }
    }
}

void DynamoSampleTable(Oid serverid, Oid userid, const char *table, int64 limit, int64 *items,
                       int64 *mixed, DynamoSampledColumn **columns, int *ncolumns) {
    dynamo::DynamoClient *client = DynamoGetClient(serverid, userid);
    static std::vector<dynamo::SampledAttribute> *found;
    bool ok = false;
    int64 n = 0, m = 0;
    RunCpp([&] {
        if (found == nullptr)
            found = new std::vector<dynamo::SampledAttribute>();
        dynamo::AttributeSampler sampler;
        *g_error = dynamo::SampleTable(client, table, limit, sampler, DynamoAbortRequested);
        ok = g_error->ok();
        *found = sampler.Consistent();
        n = sampler.items();
        m = sampler.mixed();
    });
    if (!ok)
        ReportClientError(g_error, NULL, table);
    *items = n;
    *mixed = m;
    *ncolumns = (int)found->size();
    *columns = (DynamoSampledColumn *)palloc0(sizeof(DynamoSampledColumn) * (found->size() + 1));
    for (size_t i = 0; i < found->size(); i++) {
        (*columns)[i].name = pstrdup((*found)[i].name.c_str());
        (*columns)[i].type = (*found)[i].type;
        (*columns)[i].whole = (*found)[i].whole;
    }
}
